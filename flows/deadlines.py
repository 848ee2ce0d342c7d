"""The ``deadlines`` flow: deadline warnings, escalation, auto-close and archive."""

from __future__ import annotations

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from flows.jobs import (
    FLOW_RETRIES,
    FLOW_RETRY_DELAY_SECONDS,
    TASK_RETRIES,
    TASK_RETRY_DELAYS,
    job_runtime,
    log_failure,
    log_summary,
    worth_retrying,
)
from flows.runtime import Runtime
from services.deadline_watch import DeadlineSummary, check_deadlines


@task(
    name="check-deadlines",
    retries=TASK_RETRIES,
    retry_delay_seconds=TASK_RETRY_DELAYS,
    retry_condition_fn=worth_retrying,
    cache_policy=NO_CACHE,
)
def deadlines_task(runtime: Runtime) -> DeadlineSummary:
    return check_deadlines(runtime)


@flow(
    name="deadlines",
    retries=FLOW_RETRIES,
    retry_delay_seconds=FLOW_RETRY_DELAY_SECONDS,
    on_failure=[log_failure],
    log_prints=False,
)
def deadlines() -> DeadlineSummary:
    """One pass over every open report's deadline clocks."""
    with job_runtime() as runtime:
        summary = deadlines_task(runtime)
    log_summary("deadlines", summary)
    return summary
