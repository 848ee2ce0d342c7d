"""``pantau users ...`` and ``pantau serve`` as an administrator runs them."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import httpx
import pytest
from typer.testing import CliRunner

import cli
from services.accounts import LoginRefused, authenticate

PASSWORD = "kata-sandi-baru-456"


def test_users_are_added_disabled_enabled_and_reset_from_the_command_line(console) -> None:  # type: ignore[no-untyped-def]
    runner = CliRunner()
    added = runner.invoke(
        cli.app,
        [
            "users",
            "add",
            "siti",
            "--role",
            "opd",
            "--region",
            "64.08",
            "--opd",
            "DLH",
            "--password",
            PASSWORD,
        ],
    )
    assert added.exit_code == 0, added.output
    assert authenticate(console.runtime, "siti", PASSWORD).agency_code == "DLH"
    assert runner.invoke(cli.app, ["users", "disable", "siti"]).exit_code == 0
    with pytest.raises(LoginRefused):
        authenticate(console.runtime, "siti", PASSWORD)
    assert runner.invoke(cli.app, ["users", "enable", "siti"]).exit_code == 0
    reset = runner.invoke(cli.app, ["users", "reset-password", "siti", "--password", "lain-sekali-789"])
    assert (
        reset.exit_code == 0 and authenticate(console.runtime, "siti", "lain-sekali-789").username == "siti"
    )
    refused = runner.invoke(
        cli.app, ["users", "add", "x", "--role", "raja", "--region", "64.08", "--password", PASSWORD]
    )
    assert refused.exit_code == 2 and "peran 'raja' tidak dikenal" in refused.output


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_serve_answers_with_the_console_and_stops(console) -> None:  # type: ignore[no-untyped-def]
    port = _free_port()
    env = {**os.environ, "PANTAU_WEB_PORT": str(port)}
    server = subprocess.Popen(
        [sys.executable, "-m", "cli", "serve"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, server.stdout.read().decode() if server.stdout else ""
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/masuk", timeout=2)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "pantau serve never answered"
                time.sleep(0.2)
        assert answer.status_code == 200 and "Masuk ke Pantau" in answer.text
        assert "script-src 'self'" in answer.headers["content-security-policy"]
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_serve_refuses_production_with_the_development_secret(console, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("PANTAU_ENVIRONMENT", "production")
    cli.get_settings.cache_clear()
    try:
        refused = CliRunner().invoke(cli.app, ["serve"])
    finally:
        cli.get_settings.cache_clear()
    assert refused.exit_code == 2 and "PANTAU_SECRET_KEY" in refused.output
