"""The ``sync`` flow: read back from LAPOR! the status and tindak lanjut of filed reports."""

from __future__ import annotations

from flows.jobs import (
    job_flow,
    job_runtime,
    job_task,
    log_summary,
)
from flows.runtime import Runtime
from services.status_sync import SyncSummary, sync_statuses


@job_task("sync-statuses")
def sync_task(runtime: Runtime) -> SyncSummary:
    return sync_statuses(runtime)


@job_flow("sync")
def sync() -> SyncSummary:
    """One poll of every open filed report of the api-mode regions."""
    with job_runtime() as runtime:
        summary = sync_task(runtime)
    log_summary("sync", summary)
    return summary
