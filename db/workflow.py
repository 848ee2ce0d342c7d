"""The report state machine: every status change is checked here and written to the audit log.

queued -> approved -> filed -> forwarded -> followed_up -> closed, with rejected / not_authority as exits
from review. Timestamps and deadlines that a transition starts are set here and nowhere else.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from db import audit
from db.base import utcnow
from db.deadlines import due_at
from db.models import Region, Report, ReportStatus

S = ReportStatus
TRANSITIONS: dict[ReportStatus, frozenset[ReportStatus]] = {
    S.QUEUED: frozenset({S.APPROVED, S.REJECTED, S.NOT_AUTHORITY}),
    S.APPROVED: frozenset({S.FILED, S.QUEUED, S.REJECTED}),
    S.FILED: frozenset({S.FORWARDED, S.NOT_AUTHORITY}),
    S.FORWARDED: frozenset({S.FOLLOWED_UP, S.FILED}),
    S.FOLLOWED_UP: frozenset({S.CLOSED, S.FORWARDED}),
    S.CLOSED: frozenset(),
    S.REJECTED: frozenset({S.QUEUED}),
    S.NOT_AUTHORITY: frozenset({S.QUEUED}),  # an operator finds it is ours after all
}
NEEDS_REASON = frozenset({S.REJECTED, S.NOT_AUTHORITY, S.QUEUED})


class TransitionError(ValueError):
    """A status change that the workflow does not allow, or that lacks what it needs."""


def _region_deadline(region: Region, start: datetime, key: str) -> datetime:
    extra = frozenset(datetime.fromisoformat(d).date() for d in region.extra_holidays)
    return due_at(start, int(region.deadlines[key]), region.timezone, extra)


def verification_due(region: Region, queued_at: datetime) -> datetime:
    """When an admin must have verified and forwarded a report queued at ``queued_at``."""
    return _region_deadline(region, queued_at, "verification_working_days")


def transition(
    session: Session,
    report: Report,
    to: ReportStatus,
    *,
    actor: str,
    reason: str = "",
    tracking_id: str | None = None,
    now: datetime | None = None,
) -> Report:
    """Move ``report`` to ``to`` if allowed, stamp the times it starts, and audit the change."""
    current = ReportStatus(report.status)
    if to not in TRANSITIONS[current]:
        raise TransitionError(f"report {report.id}: {current} -> {to} is not allowed")
    if to in NEEDS_REASON and not reason.strip():
        raise TransitionError(f"report {report.id}: {to} needs a reason")
    if to == S.FILED and not (tracking_id or report.tracking_id):
        raise TransitionError(f"report {report.id}: filing needs the LAPOR! tracking ID")
    now = now or utcnow()
    before = {"status": report.status, "tracking_id": report.tracking_id}
    report.status = to
    report.status_changed_at = now
    if to == S.FILED:
        report.tracking_id = tracking_id or report.tracking_id
        report.filed_at = now
    elif to == S.FORWARDED:
        report.forwarded_at = now
        report.followup_due_at = _region_deadline(report.region, now, "first_followup_working_days")
    elif to == S.FOLLOWED_UP:
        report.followed_up_at = now
    elif to == S.CLOSED:
        report.closed_at = now
    audit.record(
        session,
        actor=actor,
        entity=report,
        action=f"status:{to}",
        before=before,
        after={"status": report.status, "tracking_id": report.tracking_id},
        reason=reason,
    )
    return report
