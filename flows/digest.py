"""The ``digest`` flow: queue the daily per-OPD and per-manager digests (the filing flow sends them)."""

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
from services.digest import DigestSummary, queue_digests


@task(
    name="queue-digests",
    retries=TASK_RETRIES,
    retry_delay_seconds=TASK_RETRY_DELAYS,
    retry_condition_fn=worth_retrying,
    cache_policy=NO_CACHE,
)
def digest_task(runtime: Runtime) -> DigestSummary:
    return queue_digests(runtime)


@flow(
    name="digest",
    retries=FLOW_RETRIES,
    retry_delay_seconds=FLOW_RETRY_DELAY_SECONDS,
    on_failure=[log_failure],
    log_prints=False,
)
def digest() -> DigestSummary:
    """Today's digests, one per OPD and per manager with something to read."""
    with job_runtime() as runtime:
        summary = digest_task(runtime)
    log_summary("digest", summary)
    return summary
