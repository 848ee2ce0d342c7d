"""The scheduled jobs' shared policy: a job that cannot work fails visibly after its retry, and a task retries
only what a later try can fix. Runs go to the session's real Prefect server."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from config.errors import ConfigError
from config.settings import Settings
from db.schema_check import DatabaseNotInitialised
from db.session import DatabaseUnavailable


@pytest.mark.slow
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_job_on_a_database_not_set_up_fails_visibly_after_its_retry(
    settings: Settings, prefect_runs: Any, wait: Any
) -> None:
    from prefect.client.schemas.filters import FlowFilter, FlowFilterName, LogFilter, LogFilterFlowRunId

    from flows.deadlines import deadlines

    with pytest.raises(DatabaseNotInitialised):
        deadlines.with_options(retry_delay_seconds=0)()

    client = prefect_runs.client
    runs = client.read_flow_runs(flow_filter=FlowFilter(name=FlowFilterName(any_=["deadlines"])), limit=200)
    run = max((r for r in runs if r.deployment_id is None), key=lambda r: r.created)
    assert run.state_name == "Failed"
    assert run.run_count == 2  # the flow-level retry ran once
    failure = re.compile(r"pekerjaan deadlines gagal \(run \S+, percobaan 2\): .*pantau init")

    def logged() -> bool:
        logs = client.read_logs(LogFilter(flow_run_id=LogFilterFlowRunId(any_=[run.id])))
        return any(failure.search(log.message) for log in logs)

    wait("the failure's log line reached the Prefect API", logged, 30.0)
    assert not Path(settings.resolved_database_url.removeprefix("sqlite:///")).exists()  # nothing created


def _failed(error: Exception) -> Any:
    from prefect.states import Failed

    return Failed(data=error)


@pytest.mark.parametrize(
    ("error", "retried"),
    [
        (DatabaseUnavailable("basis data tidak terjangkau"), True),
        (OSError("connection reset"), True),
        (DatabaseNotInitialised("basis data belum disiapkan"), False),
        (ConfigError(Path("regions/x.yaml"), None, "bad"), False),
    ],
)
def test_a_task_retries_what_a_later_try_can_fix(error: Exception, retried: bool) -> None:
    from flows.deadlines import deadlines_task
    from flows.jobs import worth_retrying

    assert worth_retrying(deadlines_task, None, _failed(error)) is retried  # type: ignore[arg-type]


def test_jobs_that_do_not_triage_start_without_loading_the_models() -> None:
    """A work pool starts a fresh process for every run: filing, sync, deadlines and the digest must not pay
    for scikit-learn, skops and datasketch, which only triage needs (seconds per run on a 2-core machine)."""
    heavy = ("sklearn", "skops", "datasketch", "scipy", "nlp.model", "nlp.clustering")
    script = (
        "import sys\n"
        "import flows.filing, flows.status_sync, flows.deadlines, flows.digest\n"
        f"print(sorted(name for name in {heavy!r} if name in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
