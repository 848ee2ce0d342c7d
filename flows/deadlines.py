"""The ``deadlines`` flow: deadline warnings, escalation, auto-close and archive."""

from __future__ import annotations

from flows.jobs import (
    job_flow,
    job_runtime,
    job_task,
    log_summary,
)
from flows.runtime import Runtime
from services.deadline_watch import DeadlineSummary, check_deadlines


@job_task("check-deadlines")
def deadlines_task(runtime: Runtime) -> DeadlineSummary:
    return check_deadlines(runtime)


@job_flow("deadlines")
def deadlines() -> DeadlineSummary:
    """One pass over every open report's deadline clocks."""
    with job_runtime() as runtime:
        summary = deadlines_task(runtime)
    log_summary("deadlines", summary)
    return summary
