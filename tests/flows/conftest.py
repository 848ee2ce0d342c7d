"""A Runtime over a fresh database and the demo sites, initialised (migrated, configuration synced); a real
Prefect server for the orchestration tests (schedule, deploy)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from uuid import UUID, uuid4

import httpx
import psycopg
import pytest
import yaml

from config.settings import PROJECT_ROOT, Settings
from flows.runtime import Runtime
from services.actions import Actor, approve
from tests.conftest import PG_ADMIN, _postgres_available

if TYPE_CHECKING:  # Prefect is imported where used: the other tests here set its environment first
    from prefect.client.orchestration import SyncPrefectClient
    from prefect.client.schemas.objects import FlowRun


DEMO_SOURCES = PROJECT_ROOT / "demo" / "sources.yaml"
BIN = Path(sys.executable).parent  # the venv's commands: prefect, pantau
PREFECT_START_TIMEOUT = 90  # seconds; ~8 s on an idle 2-core machine, several times that under load


@pytest.fixture
def runtime(
    settings: Settings, demo_site: str, initialised: Callable[[Settings, str | None], None]
) -> Iterator[Runtime]:
    initialised(settings, demo_site)
    rt = Runtime(settings, base_url=demo_site)
    yield rt
    rt.close()


# -- a real Prefect server, and reports ready to file, for the orchestration tests -------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _log_tail(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace")[-3000:]


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2.0).status_code == 200
    except httpx.TransportError:
        return False


@dataclass(frozen=True)
class PrefectServer:
    api_url: str
    log: Path


@pytest.fixture(scope="session")
def prefect_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrefectServer]:
    """``prefect server start`` on a free port of 127.0.0.1 (no UI) for the whole session, its state in a
    PostgreSQL database of its own when the server on 127.0.0.1:5432 answers (SQLite in a temporary
    PREFECT_HOME otherwise). On SQLite, two workers, their flow runs and the scheduler writing at once met
    "database is locked" on a loaded machine and took a minute to hand a run over. Its scheduler plans every
    2 s instead of every 60, so a schedule's first run is never missed on a loaded machine."""
    home = tmp_path_factory.mktemp("prefect-server")
    log_path = home / "server.log"
    env = {key: value for key, value in os.environ.items() if not key.startswith("PREFECT_")}
    env |= {
        "PREFECT_HOME": str(home),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_UI_ENABLED": "false",
        "PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS": "2",
        "PREFECT_LOGGING_LEVEL": "WARNING",
    }
    database = None if _postgres_available() else f"prefect_test_{uuid4().hex[:12]}"
    if database:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{database}"')
        env["PREFECT_SERVER_DATABASE_CONNECTION_URL"] = (
            f"postgresql+asyncpg://postgres@127.0.0.1:5432/{database}"
        )
    port = _free_port()
    command = [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)]
    with log_path.open("wb") as log:
        server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    api_url = f"http://127.0.0.1:{port}/api"
    deadline = time.monotonic() + PREFECT_START_TIMEOUT
    while not _answers(f"{api_url}/health"):
        if server.poll() is not None or time.monotonic() > deadline:
            server.kill()
            server.wait()
            pytest.fail(
                f"prefect server did not answer within {PREFECT_START_TIMEOUT} s:\n{_log_tail(log_path)}"
            )
        time.sleep(0.25)
    yield PrefectServer(api_url, log_path)
    server.terminate()
    try:
        server.wait(15)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()
    if database:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


@pytest.fixture
def prefect_process_env(prefect_server: PrefectServer, settings: Settings, tmp_path: Path) -> dict[str, str]:
    """The environment of a process this test starts (``pantau``, a worker): the test's ``PANTAU_*``
    settings, the session's Prefect server, and no ten-second waits before a run is picked up."""
    home = tmp_path / "prefect-client"
    home.mkdir()
    return {
        **os.environ,
        "PREFECT_API_URL": prefect_server.api_url,
        "PREFECT_HOME": str(home),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_RUNNER_POLL_FREQUENCY": "1",
        "PREFECT_WORKER_QUERY_SECONDS": "1",
    }


FINAL_STATES = {"COMPLETED", "CANCELLED", "FAILED", "CRASHED"}


@dataclass
class PrefectRuns:
    """Flow runs of Pantau's deployments (``<flow>/pantau``) on the test's Prefect server."""

    client: SyncPrefectClient

    def deployment_id(self, flow: str) -> UUID:
        from flows.schedule import DEPLOYMENT_NAME

        return self.client.read_deployment_by_name(f"{flow}/{DEPLOYMENT_NAME}").id

    def of(self, flow: str) -> list[FlowRun]:
        """The flow's runs; none while its deployment is not registered yet."""
        from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterId
        from prefect.exceptions import ObjectNotFound

        try:
            deployment_id = self.deployment_id(flow)
        except ObjectNotFound:
            return []
        return self.client.read_flow_runs(
            deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment_id])), limit=200
        )

    def completed(self, flow: str) -> list[FlowRun]:
        return [run for run in self.of(flow) if run.state_name == "Completed"]

    def start(self, flow: str, count: int) -> list[UUID]:
        """``count`` runs of the flow's deployment, asked for at once (as a person clicking "Run")."""
        deployment_id = self.deployment_id(flow)
        return [self.client.create_flow_run_from_deployment(deployment_id).id for _ in range(count)]

    def state(self, run_id: UUID) -> str:
        state = self.client.read_flow_run(run_id).state
        return state.name if state else "?"

    def ended(self, run_ids: list[UUID]) -> bool:
        types = [self.client.read_flow_run(run_id).state_type for run_id in run_ids]
        return all(kind is not None and kind.value in FINAL_STATES for kind in types)


def wait_until(what: str, ready: Callable[[], bool], timeout: float, *logs: Path) -> None:
    """Poll ``ready`` once a second for at most ``timeout`` s; fail with the tails of ``logs`` otherwise."""
    deadline = time.monotonic() + timeout
    while not ready():
        if time.monotonic() > deadline:
            tails = "\n".join(f"--- {log.name}:\n{_log_tail(log)}" for log in logs)
            pytest.fail(f"{what}: not within {timeout:g} s\n{tails}")
        time.sleep(1.0)


@pytest.fixture
def prefect_api(prefect_server: PrefectServer) -> Iterator[str]:
    """Flows called in this process run against the session's Prefect server (rather than each test
    process starting a temporary server of its own); yields its API URL."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings(updates={PREFECT_API_URL: prefect_server.api_url}):
        yield prefect_server.api_url


@pytest.fixture
def prefect_runs(prefect_api: str) -> Iterator[PrefectRuns]:
    """Flow runs on the session's Prefect server, read and started from this process; the deployments are
    deleted afterwards."""
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        yield PrefectRuns(client)
        # the next test registers the same deployments afresh: no run, schedule or slot of this one remains
        for deployment in client.read_deployments():
            client.delete_deployment(deployment.id)


@pytest.fixture
def wait(prefect_server: PrefectServer) -> Callable[..., None]:
    """``wait(what, ready, timeout, *logs)``: a bounded wait that fails with the tails of ``logs`` and of
    the Prefect server's log (see ``wait_until``)."""

    def bounded(what: str, ready: Callable[[], bool], timeout: float, *logs: Path) -> None:
        wait_until(what, ready, timeout, *logs, prefect_server.log)

    return bounded


@pytest.fixture
def approved_reports(runtime: Runtime, queued_report: Callable[..., int]) -> Callable[[int], list[int]]:
    """Make ``n`` reports of Kutai Timur (which files through the LAPOR! API), each from its own news item,
    queued and approved by an operator, so each has a pending filing; returns their ids."""

    def make(n: int) -> list[int]:
        ids = [
            queued_report(runtime, title=f"Jalan berlubang ke-{number} di Kecamatan Bengalon")
            for number in range(n)
        ]
        for report_id in ids:
            approve(runtime, report_id, actor=Actor("user:operator-uji"))
        return ids

    return make


@pytest.fixture
def quiet_sources(tmp_path: Path, demo_site: str) -> Path:
    """The demo's sources on the local demo site, all disabled: a monitor run goes through its whole cycle
    without crawling (the scheduled runs of the orchestration tests)."""
    demo = yaml.safe_load(DEMO_SOURCES.read_text(encoding="utf-8"))
    for source in demo["sources"]:
        source["url"] = source["url"].replace("__BASE_URL__", demo_site)
        source["enabled"] = False
    path = tmp_path / "sources.yaml"
    path.write_text(yaml.safe_dump(demo), encoding="utf-8")
    return path
