"""The ``filing`` flow: deliver the filing outbox to LAPOR!, then the notification outbox.

Both outboxes are claimed row by row with a lease (``services.filing``, ``services.notify_outbox``), so any
number of these runs, on any number of workers, deliver each row once. The worker id (``host:pid``) is what
a claim records as its holder.
"""

from __future__ import annotations

from dataclasses import dataclass

from flows.jobs import (
    job_flow,
    job_runtime,
    job_task,
    log_summary,
    worker_id,
)
from flows.runtime import Runtime
from services.filing import FilingSummary, deliver_filings
from services.notify_outbox import DeliverySummary, deliver_notifications


@dataclass(frozen=True)
class FilingRunSummary:
    filings: FilingSummary
    notifications: DeliverySummary

    def __str__(self) -> str:
        return f"LAPOR!: {self.filings}; notifikasi: {self.notifications}"


@job_task("deliver-filings")
def deliver_filings_task(runtime: Runtime, worker: str) -> FilingSummary:
    return deliver_filings(runtime, worker=worker)


@job_task("deliver-notifications")
def deliver_notifications_task(runtime: Runtime, worker: str) -> DeliverySummary:
    return deliver_notifications(runtime, worker=worker)


@job_flow("filing")
def filing() -> FilingRunSummary:
    """One pass over both outboxes. Notifications go out even when LAPOR! deliveries failed (an OPD's
    forwarding e-mail does not wait for another report's filing); the run then fails with that error."""
    worker = worker_id()
    with job_runtime() as runtime:
        filed = deliver_filings_task(runtime, worker, return_state=True)
        notified = deliver_notifications_task(runtime, worker)
        summary = FilingRunSummary(filings=filed.result(), notifications=notified)
    log_summary("filing", summary)
    return summary
