"""The ``sync`` flow: read back from LAPOR! the status and tindak lanjut of filed reports."""

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
from services.status_sync import SyncSummary, sync_statuses


@task(
    name="sync-statuses",
    retries=TASK_RETRIES,
    retry_delay_seconds=TASK_RETRY_DELAYS,
    retry_condition_fn=worth_retrying,
    cache_policy=NO_CACHE,
)
def sync_task(runtime: Runtime) -> SyncSummary:
    return sync_statuses(runtime)


@flow(
    name="sync",
    retries=FLOW_RETRIES,
    retry_delay_seconds=FLOW_RETRY_DELAY_SECONDS,
    on_failure=[log_failure],
    log_prints=False,
)
def sync() -> SyncSummary:
    """One poll of every open filed report of the api-mode regions."""
    with job_runtime() as runtime:
        summary = sync_task(runtime)
    log_summary("sync", summary)
    return summary
