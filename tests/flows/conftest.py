"""A Runtime over a fresh database and the demo sites, initialised (migrated, configuration synced); the
session's Prefect server (tests/conftest.py) as the orchestration tests (schedule, deploy) use it: processes'
environment, flow runs, bounded waits."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from uuid import UUID

import pytest
import yaml

from config.settings import PROJECT_ROOT, Settings
from flows.runtime import Runtime
from services.actions import Actor, approve
from tests.conftest import PrefectServer, log_tail

if TYPE_CHECKING:  # Prefect is imported where used: the other tests here set its environment first
    from prefect.client.orchestration import SyncPrefectClient
    from prefect.client.schemas.objects import FlowRun


DEMO_SOURCES = PROJECT_ROOT / "demo" / "sources.yaml"


@pytest.fixture
def runtime(
    settings: Settings, demo_site: str, initialised: Callable[[Settings, str | None], None]
) -> Iterator[Runtime]:
    initialised(settings, demo_site)
    rt = Runtime(settings, base_url=demo_site)
    yield rt
    rt.close()


# -- runs on the session's Prefect server, and reports ready to file, for the orchestration tests ---------


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
            tails = "\n".join(f"--- {log.name}:\n{log_tail(log)}" for log in logs)
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
