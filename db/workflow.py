"""The report state machine: every status change is checked here and written to the audit log.

The life of a report (domain.md, SP4N-LAPOR! in one page)::

    queued -> approved -> filed -> forwarded -> acknowledged -> followed_up -> closed
                 (siap diinput      (disposisi;   (the OPD took     (tindak lanjut;  (selesai, or
                  if manual)         re-routing    it up)            auto-close       automatically)
                                     forwards                        after N days)
                                     again)

Exits: rejected (with a reason code), postponed (tunda; archived after the region's days), not_authority
(bukan wewenang, with the body it belongs to), archived. An OPD returning a report as not theirs sends it
back to filed, where the admin re-routes it. Timestamps and deadlines that a transition starts are set here
and nowhere else; the messages are for the people using Pantau, so they are in Bahasa Indonesia.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from config.errors import PantauError
from db import audit
from db.base import utcnow
from db.deadlines import due_at
from db.models import Agency, Region, RejectReason, Report, ReportStatus

S = ReportStatus
TRANSITIONS: dict[ReportStatus, frozenset[ReportStatus]] = {
    S.QUEUED: frozenset({S.APPROVED, S.REJECTED, S.POSTPONED, S.NOT_AUTHORITY, S.ARCHIVED}),
    S.APPROVED: frozenset({S.FILED, S.QUEUED, S.REJECTED}),  # back to review: only before it was sent
    S.FILED: frozenset({S.FORWARDED, S.POSTPONED, S.NOT_AUTHORITY, S.ARCHIVED}),
    S.FORWARDED: frozenset({S.ACKNOWLEDGED, S.FOLLOWED_UP, S.FORWARDED, S.FILED}),
    S.ACKNOWLEDGED: frozenset({S.FOLLOWED_UP, S.FORWARDED, S.FILED}),
    S.FOLLOWED_UP: frozenset({S.CLOSED, S.FOLLOWED_UP, S.FORWARDED}),
    S.CLOSED: frozenset(),
    S.REJECTED: frozenset({S.QUEUED}),
    S.POSTPONED: frozenset({S.QUEUED, S.FILED, S.ARCHIVED}),
    S.NOT_AUTHORITY: frozenset({S.QUEUED}),  # an operator finds it is ours after all
    S.ARCHIVED: frozenset(),
}

# Statuses in which nothing more is expected of anyone (rejected and bukan wewenang may still be reopened).
ENDED = frozenset({S.CLOSED, S.REJECTED, S.ARCHIVED, S.NOT_AUTHORITY})

LABELS: dict[ReportStatus, str] = {
    S.QUEUED: "menunggu tinjauan",
    S.APPROVED: "disetujui",
    S.FILED: "tercatat di LAPOR!",
    S.FORWARDED: "didisposisikan",
    S.ACKNOWLEDGED: "diterima OPD",
    S.FOLLOWED_UP: "ditindaklanjuti",
    S.CLOSED: "selesai",
    S.REJECTED: "ditolak",
    S.POSTPONED: "ditunda",
    S.NOT_AUTHORITY: "bukan wewenang",
    S.ARCHIVED: "diarsipkan",
}
REJECT_LABELS: dict[RejectReason, str] = {
    RejectReason.NOT_A_COMPLAINT: "bukan keluhan",
    RejectReason.DUPLICATE: "duplikat",
    RejectReason.SPAM: "spam",
    RejectReason.INSUFFICIENT: "data tidak cukup",
    RejectReason.OTHER: "lainnya",
}
# Changes a person must explain; the others explain themselves (approve, forward, acknowledge, answer).
NEEDS_REASON = frozenset({S.REJECTED, S.NOT_AUTHORITY, S.QUEUED, S.POSTPONED, S.ARCHIVED})
# Going back a step (an OPD returning it, re-routing, reopening after an answer) needs a reason too.
NEEDS_REASON_FROM: dict[ReportStatus, frozenset[ReportStatus]] = {
    S.FILED: frozenset({S.FORWARDED, S.ACKNOWLEDGED, S.POSTPONED}),
    S.FORWARDED: frozenset({S.FORWARDED, S.ACKNOWLEDGED, S.FOLLOWED_UP}),
}


class TransitionError(PantauError, ValueError):
    """A status change that the workflow does not allow, or that lacks what it needs."""


def label(status: str) -> str:
    return LABELS[ReportStatus(status)]


def _allowed_text(current: ReportStatus) -> str:
    allowed = sorted(TRANSITIONS[current])
    if not allowed:
        return "statusnya sudah final, tidak ada perubahan yang diizinkan"
    return "yang diizinkan: " + ", ".join(f"{LABELS[s]} ({s})" for s in allowed)


def refuse(report: Report, to: ReportStatus) -> TransitionError:
    """The error for a change that the state machine does not allow, naming the report, its status and the
    changes that are allowed from there."""
    current = ReportStatus(report.status)
    return TransitionError(
        f"laporan #{report.id} berstatus {LABELS[current]} ({current}): tidak bisa menjadi "
        f"{LABELS[to]} ({to}); {_allowed_text(current)}"
    )


def _region_deadline(region: Region, start: datetime, key: str) -> datetime:
    extra = frozenset(datetime.fromisoformat(d).date() for d in region.extra_holidays)
    return due_at(start, int(region.deadlines[key]), region.timezone, extra)


def verification_due(region: Region, queued_at: datetime) -> datetime:
    """When an admin must have verified and forwarded a report queued at ``queued_at``."""
    return _region_deadline(region, queued_at, "verification_working_days")


def _check(
    report: Report,
    to: ReportStatus,
    *,
    reason: str,
    reason_code: RejectReason | None,
    tracking_id: str | None,
    authority_body: str | None,
    agency: Agency | None,
) -> None:
    current = ReportStatus(report.status)
    if to not in TRANSITIONS[current]:
        raise refuse(report, to)
    name = f"laporan #{report.id}"
    explained = to in NEEDS_REASON or current in NEEDS_REASON_FROM.get(to, frozenset())
    if explained and not reason.strip() and reason_code is None:
        raise TransitionError(f"{name}: perubahan menjadi {LABELS[to]} perlu alasan")
    if to == S.REJECTED and reason_code is None:
        codes = ", ".join(REJECT_LABELS[c] + f" ({c})" for c in RejectReason)
        raise TransitionError(f"{name}: penolakan perlu kode alasan: {codes}")
    if to == S.NOT_AUTHORITY and not (authority_body or "").strip():
        raise TransitionError(f"{name}: bukan wewenang perlu nama instansi yang berwenang")
    if to == S.FILED and not (tracking_id or report.tracking_id):
        raise TransitionError(f"{name}: pencatatan perlu nomor tracking LAPOR!")
    if to == S.FORWARDED:
        target = agency or report.agency
        if target is None:
            raise TransitionError(f"{name}: disposisi perlu OPD tujuan")
        if target.region_id != report.region_id or not target.active:
            raise TransitionError(f"{name}: {target.short_name} bukan OPD aktif di wilayah laporan ini")


def _snapshot(report: Report) -> dict[str, Any]:
    return {
        "status": report.status,
        "tracking_id": report.tracking_id,
        "agency_id": report.agency_id,
        "reject_reason": report.reject_reason,
        "authority_body": report.authority_body,
    }


def _stamp(report: Report, to: ReportStatus, now: datetime) -> None:
    """Set the times and deadlines that entering ``to`` starts."""
    region = report.region
    if to == S.APPROVED:
        report.approved_at = now
    elif to == S.FILED and report.filed_at is None:
        report.filed_at = now
        report.settlement_due_at = now + timedelta(days=int(region.deadlines["settlement_days"]))
    elif to == S.FORWARDED:
        report.forwarded_at = now
        report.acknowledged_at = None
        report.followup_due_at = _region_deadline(region, now, "first_followup_working_days")
    elif to == S.ACKNOWLEDGED:
        report.acknowledged_at = now
    elif to == S.FOLLOWED_UP:
        report.followed_up_at = now
        report.autoclose_due_at = _region_deadline(region, now, "autoclose_working_days")
    elif to == S.POSTPONED:
        report.postponed_at = now
    elif to in (S.CLOSED, S.ARCHIVED):
        report.closed_at = now


def transition(
    session: Session,
    report: Report,
    to: ReportStatus,
    *,
    actor: str,
    reason: str = "",
    reason_code: RejectReason | None = None,
    tracking_id: str | None = None,
    authority_body: str | None = None,
    agency: Agency | None = None,
    now: datetime | None = None,
) -> Report:
    """Move ``report`` to ``to`` if allowed, stamp the times it starts, and audit the change.

    ``agency`` re-routes a forward (the new OPD gets its own follow-up deadline; the history stays in the
    audit log); ``reason_code`` is required for a rejection, ``authority_body`` for bukan wewenang.
    """
    _check(
        report,
        to,
        reason=reason,
        reason_code=reason_code,
        tracking_id=tracking_id,
        authority_body=authority_body,
        agency=agency,
    )
    now = now or utcnow()
    before = _snapshot(report)
    report.status = to
    report.status_changed_at = now
    report.last_actor = actor
    if tracking_id:
        report.tracking_id = tracking_id
    if agency is not None:
        report.agency_id = agency.id
        report.agency = agency
    report.reject_reason = reason_code.value if to == S.REJECTED and reason_code else None
    report.authority_body = authority_body.strip() if to == S.NOT_AUTHORITY and authority_body else None
    _stamp(report, to, now)
    audit.record(
        session,
        actor=actor,
        entity=report,
        action=f"status:{to}",
        before=before,
        after=_snapshot(report),
        reason=reason if not reason_code else f"{reason_code.value}: {reason}".rstrip(": "),
    )
    return report
