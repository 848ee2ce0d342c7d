"""The ``digest`` flow: queue the daily per-OPD and per-manager digests (the filing flow sends them)."""

from __future__ import annotations

from flows.jobs import (
    job_flow,
    job_runtime,
    job_task,
    log_summary,
)
from flows.runtime import Runtime
from services.digest import DigestSummary, queue_digests


@job_task("queue-digests")
def digest_task(runtime: Runtime) -> DigestSummary:
    return queue_digests(runtime)


@job_flow("digest")
def digest() -> DigestSummary:
    """Today's digests, one per OPD and per manager with something to read."""
    with job_runtime() as runtime:
        summary = digest_task(runtime)
    log_summary("digest", summary)
    return summary
