"""``pantau schedule`` against a real Prefect server: every interval job runs on its schedule, two runs of one
job never overlap, SIGTERM stops the process promptly and cleanly; the digest's time zone."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from config.catalog import load_catalog
from config.settings import CONFIG_DATA_DIR, Settings
from flows.runtime import Runtime

PANTAU = Path(sys.executable).parent / "pantau"
INTERVAL_JOBS = ("monitor", "filing", "sync", "deadlines")
RUNS_TIMEOUT = 120.0  # seconds: first runs are planned 15 s after start; a loaded 2-core machine adds much
STOP_TIMEOUT = 20.0


@pytest.fixture
def scheduler(
    runtime: Runtime, quiet_sources: Path, prefect_process_env: dict[str, str], tmp_path: Path
) -> Iterator[tuple[subprocess.Popen[bytes], Path]]:
    """``pantau schedule`` running on an initialised database, every interval job every minute."""
    env = prefect_process_env | {
        "PANTAU_SOURCES_FILE": str(quiet_sources),
        **{f"PANTAU_SCHEDULE_{job.upper()}_MINUTES": "1" for job in INTERVAL_JOBS},
    }
    log_path = tmp_path / "schedule.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen([str(PANTAU), "schedule"], env=env, stdout=log, stderr=subprocess.STDOUT)
    yield process, log_path
    if process.poll() is None:
        process.kill()
        process.wait()


@pytest.mark.slow
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_scheduler_runs_every_job_without_overlap_and_stops_on_sigterm(
    scheduler: tuple[subprocess.Popen[bytes], Path], prefect_runs: Any, wait: Any
) -> None:
    process, log = scheduler
    wait(
        "a scheduled run of monitor, filing, sync and deadlines completed",
        lambda: all(prefect_runs.completed(job) for job in INTERVAL_JOBS),
        RUNS_TIMEOUT,
        log,
    )
    assert all(run.auto_scheduled for job in INTERVAL_JOBS for run in prefect_runs.completed(job))
    output = log.read_text(encoding="utf-8")
    assert "filing: LAPOR!: tercatat 0" in output  # each run's outcome, one line on the console
    assert "deadlines: peringatan 0" in output

    # Two runs of one job asked for at once: one runs, the other is cancelled rather than overlapping it.
    both = prefect_runs.start("deadlines", 2)
    wait("both manual deadlines runs ended", lambda: prefect_runs.ended(both), RUNS_TIMEOUT, log)
    assert sorted(prefect_runs.state(run) for run in both) == ["Cancelled", "Completed"]

    started = time.monotonic()
    process.send_signal(signal.SIGTERM)
    try:
        code = process.wait(STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        pytest.fail(f"still running {STOP_TIMEOUT:g} s after SIGTERM:\n{log.read_text()[-4000:]}")
    stopped_in = time.monotonic() - started
    output = log.read_text(encoding="utf-8")
    assert code == 0, output
    assert stopped_in < 10, f"SIGTERM took {stopped_in:.1f} s"
    assert output.rstrip().endswith("Penjadwal berhenti."), output[-2000:]
    assert "Traceback" not in output and "never awaited" not in output, output[-4000:]
    deployments = [
        prefect_runs.client.read_deployment(prefect_runs.deployment_id(job)) for job in INTERVAL_JOBS
    ]
    assert all(deployment.paused for deployment in deployments)  # nothing piles up while nobody serves


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_schedule_without_a_prefect_server_is_one_line(
    runtime: Runtime, prefect_client_env: dict[str, str]
) -> None:
    done = subprocess.run(
        [str(PANTAU), "schedule"], env=prefect_client_env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr.strip().startswith("Galat: PREFECT_API_URL belum diisi")
    assert len(done.stderr.strip().splitlines()) == 1 and done.stdout == ""


def _schedules(settings: Settings, timezone: str) -> dict[str, Any]:
    from flows.schedule import scheduled_jobs  # Prefect is imported where used (see tests/flows/conftest.py)

    return {job.name: job.schedule() for job in scheduled_jobs(settings, timezone)}


def test_jobs_take_their_schedules_from_the_settings() -> None:
    settings = Settings(schedule_filing_minutes=3, schedule_monitor_minutes=15, schedule_digest_time="06:30")
    schedules = _schedules(settings, "Asia/Makassar")
    assert schedules["filing"].interval.total_seconds() == 180
    assert schedules["monitor"].interval.total_seconds() == 900
    assert schedules["sync"].interval.total_seconds() == 30 * 60
    assert schedules["deadlines"].interval.total_seconds() == 60 * 60
    assert (schedules["digest"].cron, schedules["digest"].timezone) == ("30 6 * * *", "Asia/Makassar")


def test_the_digest_goes_out_in_the_regions_time_zone_or_wib_when_they_differ(tmp_path: Path) -> None:
    from flows.schedule import digest_timezone

    shipped = Settings()
    assert digest_timezone(load_catalog(shipped.config_dir, shipped.sources_file)) == "Asia/Makassar"

    config = tmp_path / "config"
    shutil.copytree(CONFIG_DATA_DIR, config)
    banjarbaru = config / "regions" / "63.72-banjarbaru.yaml"
    banjarbaru.write_text(
        banjarbaru.read_text(encoding="utf-8").replace("timezone: Asia/Makassar", "timezone: Asia/Jayapura"),
        encoding="utf-8",
    )
    assert digest_timezone(load_catalog(config, shipped.sources_file)) == "Asia/Jakarta"
