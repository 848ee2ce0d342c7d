"""``pantau deploy --pool`` on a real Prefect server, run by two ``process`` workers: the five deployments
exist with their schedules, and filing runs started at once on both workers deliver every approved report
to the (fake) LAPOR! exactly once, on PostgreSQL."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from config.settings import PROJECT_ROOT
from db.models import DeliveryState, Filing, Report, ReportStatus
from fakes.lapor_process import FakeLaporControl, running_lapor_server
from fakes.lapor_server import FAKE_TOKEN
from flows.runtime import Runtime

BIN = Path(sys.executable).parent
POOL = "pantau-uji"
REPORTS = 12
FILING_BATCH = 3  # reports one filing run sends: the four runs share the work
FILING_RUNS = 4
WORKER_LIMIT = 2  # runs one worker starts at once: neither worker can take every run
RUNS_TIMEOUT = 150.0  # seconds, for nine runs of fresh Python processes on a loaded 2-core machine
INTERVAL_JOBS = ("monitor", "filing", "sync", "deadlines")
JOBS = (*INTERVAL_JOBS, "digest")


@pytest.fixture
def lapor(tmp_path: Path) -> Iterator[FakeLaporControl]:
    with running_lapor_server(tmp_path / "lapor.json") as base_url:
        yield FakeLaporControl(base_url)


@pytest.fixture
def pool_env(
    prefect_process_env: dict[str, str], quiet_sources: Path, lapor: FakeLaporControl
) -> dict[str, str]:
    """What an operator sets on the worker machines: the settings, LAPOR!'s address and token."""
    return prefect_process_env | {
        "PANTAU_SOURCES_FILE": str(quiet_sources),
        "PANTAU_FILING_BATCH_SIZE": str(FILING_BATCH),
        "PANTAU_LAPOR_URL_6408": lapor.base_url,
        "PANTAU_LAPOR_TOKEN_6408": FAKE_TOKEN,
    }


@pytest.fixture
def workers(pool_env: dict[str, str], tmp_path: Path) -> Iterator[list[Path]]:
    """Two ``prefect worker start --pool`` processes; yields their log files."""
    logs = [tmp_path / f"worker-{n}.log" for n in (1, 2)]
    processes = []
    for number, log_path in enumerate(logs, 1):
        command = [str(BIN / "prefect"), "worker", "start", "--pool", POOL, "--type", "process"]
        command += ["--name", f"pekerja-{number}", "--limit", str(WORKER_LIMIT)]
        with log_path.open("wb") as log:
            processes.append(subprocess.Popen(command, env=pool_env, stdout=log, stderr=subprocess.STDOUT))
    yield logs
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(5)  # a worker asked to stop waits for its runs; the test's runs are over
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _deploy(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "pantau"), "deploy", "--pool", POOL], env=env, capture_output=True, text=True, timeout=180
    )


@pytest.mark.slow
@pytest.mark.parametrize(
    "database_url", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)
def test_two_workers_file_every_report_exactly_once(
    runtime: Runtime,
    approved_reports: Callable[[int], list[int]],
    lapor: FakeLaporControl,
    pool_env: dict[str, str],
    request: pytest.FixtureRequest,
    prefect_runs: Any,
    wait: Any,
) -> None:
    report_ids = approved_reports(REPORTS)

    deployed = _deploy(pool_env)
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    for job in JOBS:
        assert f"{job}/pantau" in deployed.stdout
    pool = prefect_runs.client.read_work_pool(POOL)
    assert pool.type == "process"  # created by the deploy
    for job in JOBS:
        deployment = prefect_runs.client.read_deployment(prefect_runs.deployment_id(job))
        assert deployment.work_pool_name == POOL and deployment.schedules, job
        # the workers run the flows from this project's folder: nothing is built, pushed or downloaded
        assert deployment.pull_steps == [
            {"prefect.deployments.steps.set_working_directory": {"directory": str(PROJECT_ROOT)}}
        ]

    logs = request.getfixturevalue("workers")
    started = prefect_runs.start("filing", FILING_RUNS)
    digest = prefect_runs.start("digest", 1)  # the one job whose schedule does not come round in a test
    wait(
        "the filing and digest runs ended", lambda: prefect_runs.ended(started + digest), RUNS_TIMEOUT, *logs
    )
    states = [prefect_runs.state(run) for run in started + digest]
    assert states == ["Completed"] * (FILING_RUNS + 1), "\n".join(log.read_text()[-3000:] for log in logs)
    for log in logs:  # both workers took runs
        assert "submitting flow run" in log.read_text(), log.read_text()[-3000:]

    stored = lapor.reports()
    assert len(stored["reports"]) == REPORTS
    assert sorted(key["submissions"] for key in stored["keys"].values()) == [1] * REPORTS
    with runtime.sessions() as session:
        filings = session.scalars(select(Filing).where(Filing.report_id.in_(report_ids))).all()
        assert {f.state for f in filings} == {DeliveryState.DONE}
        assert {f.idempotency_key for f in filings} == set(stored["keys"])
        assert {f.tracking_id for f in filings} == {r["tracking_id"] for r in stored["keys"].values()}
        assert len({f.claimed_by for f in filings}) >= REPORTS // FILING_BATCH  # one claimant per run
        statuses = session.scalars(select(Report.status).where(Report.id.in_(report_ids))).all()
        assert set(statuses) <= {ReportStatus.FILED, ReportStatus.FORWARDED}

    # the deployments' own schedules start runs on the pool too (their first ~15 s after the deploy)
    wait(
        "the first scheduled run of each interval job completed on the pool",
        lambda: all(any(r.auto_scheduled for r in prefect_runs.completed(job)) for job in INTERVAL_JOBS),
        RUNS_TIMEOUT,
        *logs,
    )


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_deploy_without_a_prefect_server_is_one_line(
    runtime: Runtime, prefect_client_env: dict[str, str]
) -> None:
    done = _deploy(prefect_client_env)
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr.strip().startswith("Galat: PREFECT_API_URL belum diisi")
    assert len(done.stderr.strip().splitlines()) == 1 and done.stdout == ""
