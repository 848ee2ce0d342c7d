"""The fake LAPOR! (``fakes.lapor_server``) as a child process, and a small client for its control endpoints.

A separate process, as the real service is: a test can kill it, restart it on the same data file, and a
dropped connection is a real one.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import IO, Any

import httpx

from fakes.lapor_server import FAKE_TOKEN

PROJECT_ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT = 30.0  # seconds; importing FastAPI on a loaded 2-core machine takes a few
STOP_TIMEOUT = 5.0
_PORT_TRIES = 3


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Terminate ``process`` (a no-op if it is gone already, e.g. killed by a test); kill it if it lingers."""
    process.terminate()
    try:
        process.wait(STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(STOP_TIMEOUT)


def _wait_until_answering(process: subprocess.Popen[bytes], base_url: str, log: IO[bytes]) -> bool:
    """True once the server answers; False if it exited (its port was taken). Raises after START_TIMEOUT."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            if httpx.get(f"{base_url}/_fake/health", timeout=1.0).status_code == 200:
                return True
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    _stop(process)
    log.seek(0)
    tail = log.read().decode("utf-8", "replace")[-2000:]
    raise RuntimeError(f"the fake LAPOR! did not answer within {START_TIMEOUT:g} s:\n{tail}")


@contextmanager
def _running(data_file: Path, token: str) -> Iterator[str]:
    with tempfile.TemporaryFile() as log:
        for _ in range(_PORT_TRIES):
            port = _free_port()
            command = [
                sys.executable,
                "-m",
                "fakes.lapor_server",
                "--port",
                str(port),
                "--data",
                str(data_file),
            ]
            process = subprocess.Popen([*command, "--token", token], cwd=PROJECT_ROOT, stdout=log, stderr=log)
            base_url = f"http://127.0.0.1:{port}"
            if _wait_until_answering(process, base_url, log):
                break
        else:
            log.seek(0)
            tail = log.read().decode("utf-8", "replace")[-2000:]
            raise RuntimeError(f"the fake LAPOR! could not start in {_PORT_TRIES} tries:\n{tail}")
        try:
            yield base_url
        finally:
            _stop(process)


def running_lapor_server(data_file: Path, token: str = FAKE_TOKEN) -> AbstractContextManager[str]:
    """Start the fake LAPOR! on a free port of 127.0.0.1 with its data in ``data_file``, wait (bounded) until
    it answers, yield its base URL, and stop it afterwards, also when the block killed it already."""
    return _running(data_file.resolve(), token)


class FakeLaporControl:
    """The fake's ``/_fake/`` endpoints (fakes/lapor_server.py) as methods; each raises on an error answer."""

    def __init__(self, base_url: str, timeout: float = 5.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        response = httpx.request(method, f"{self.base_url}/_fake/{path}", json=body, timeout=self.timeout)
        response.raise_for_status()
        return response.json()

    def health(self) -> dict[str, Any]:
        answer: dict[str, Any] = self._call("GET", "health")
        return answer

    def reports(self) -> dict[str, Any]:
        """``{"reports": [...], "keys": {key: {"tracking_id": ..., "submissions": n}}}``."""
        answer: dict[str, Any] = self._call("GET", "reports")
        return answer

    def submissions(self, idempotency_key: str) -> int:
        """How often a report was submitted with ``idempotency_key`` and accepted (created or replayed)."""
        key = self.reports()["keys"].get(idempotency_key)
        return int(key["submissions"]) if key else 0

    def fail(self, mode: str, times: int = 1, seconds: float | None = None, body: str | None = None) -> None:
        """Queue a failure plan for the next ``times`` API requests (modes: fakes/lapor_server.py)."""
        plan: dict[str, Any] = {"mode": mode, "times": times}
        if seconds is not None:
            plan["seconds"] = seconds
        if body is not None:
            plan["body"] = body
        self._call("POST", "fail", plan)

    def vanish(self, tracking_id: str) -> None:
        self._call("POST", f"vanish/{tracking_id}")

    def dispose(self, tracking_id: str, instansi: str) -> None:
        self._call("POST", f"dispose/{tracking_id}", {"instansi": instansi})

    def followup(self, tracking_id: str, instansi: str, text: str) -> None:
        self._call("POST", f"followup/{tracking_id}", {"instansi": instansi, "text": text})

    def close_report(self, tracking_id: str) -> None:
        self._call("POST", f"close/{tracking_id}")

    def reset(self) -> None:
        self._call("POST", "reset")
