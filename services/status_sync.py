"""Status sync: read back from LAPOR! what happened to filed reports (tindak lanjut, selesai) and move each
report along through ``db.workflow``.

Only reports of api-mode regions that LAPOR! knows by tracking ID and that are still open are polled. A
follow-up is stored once (its ``remote_key``); the report becomes followed up when LAPOR! has an answer and
closed when LAPOR! closed it. A tracking ID that LAPOR! no longer knows is a recorded problem on the report's
filing (shown by ``pantau queue``), never a crash; an unreachable LAPOR! counts against the region's breaker.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from config.schema import LaporMode
from db.base import utcnow
from db.models import Filing, FollowUp, LaporBreaker, Region, Report, ReportStatus
from db.session import WriteLockBusy, write_transaction
from db.workflow import transition
from flows.runtime import Runtime
from services.filing import adapter_for, breaker_of, close_all, region_held
from services.lapor.protocol import LaporAdapter, LaporError, LaporNotFound, RemoteStatus
from services.lapor.resilience import BreakerState, after_failure, after_success

ACTOR = "system:sync"
S = ReportStatus
POLLED = (S.FORWARDED, S.ACKNOWLEDGED, S.FOLLOWED_UP)


@dataclass
class SyncSummary:
    checked: int = 0
    followed_up: int = 0
    closed: int = 0
    new_follow_ups: int = 0
    missing: int = 0  # LAPOR! no longer knows the tracking ID
    failed: int = 0
    skipped: int = 0  # changed by someone meanwhile, or its region's LAPOR! is held

    def __str__(self) -> str:
        return (
            f"diperiksa {self.checked}, tindak lanjut baru {self.new_follow_ups}, ditindaklanjuti "
            f"{self.followed_up}, selesai {self.closed}, hilang di LAPOR! {self.missing}, gagal {self.failed}"
        )


def _remote_key(tracking_id: str, at: str, text: str) -> str:
    digest = hashlib.sha256(f"{at}\n{text}".encode()).hexdigest()[:16]
    return f"lapor:{tracking_id}:{digest}"


def _apply(runtime: Runtime, report_id: int, remote: RemoteStatus, summary: SyncSummary) -> None:
    with write_transaction(runtime.sessions) as session:
        report = session.get_one(Report, report_id)
        filing = session.scalar(select(Filing).where(Filing.report_id == report.id))
        if filing is not None and filing.last_error and filing.last_error.startswith("LAPOR! tidak"):
            filing.last_error = None  # it is back
        new: list[FollowUp] = []
        for item in remote.follow_ups:
            key = _remote_key(remote.tracking_id, item.at.isoformat(), item.text)
            if session.scalar(select(FollowUp.id).where(FollowUp.remote_key == key)) is not None:
                continue
            follow_up = FollowUp(
                report_id=report.id,
                agency_id=report.agency_id,
                at=item.at,
                author=f"LAPOR!: {item.instansi}"[:120],
                text=item.text,
                origin="lapor",
                remote_key=key,
            )
            session.add(follow_up)
            new.append(follow_up)
        summary.new_follow_ups += len(new)
        if new and report.status in (S.FORWARDED, S.ACKNOWLEDGED):
            transition(
                session, report, S.FOLLOWED_UP, actor=ACTOR, reason="tindak lanjut di LAPOR!", now=new[-1].at
            )
            summary.followed_up += 1
        if remote.status == "selesai" and report.status == S.FOLLOWED_UP:
            transition(session, report, S.CLOSED, actor=ACTOR, reason="LAPOR!: selesai")
            summary.closed += 1
        elif remote.closed and remote.status != "selesai" and filing is not None:
            filing.last_error = f"LAPOR! menutup laporan ini sebagai {remote.status}: periksa di LAPOR!"
            filing.last_error_at = utcnow()


def _note_missing(runtime: Runtime, report_id: int, error: LaporError) -> None:
    with write_transaction(runtime.sessions) as session:
        filing = session.scalar(select(Filing).where(Filing.report_id == report_id))
        if filing is not None:
            filing.last_error = f"LAPOR! tidak lagi mengenal laporan ini: {error.reason}"[:1000]
            filing.last_error_at = utcnow()


def _breaker_outcome(runtime: Runtime, region: Region, error: LaporError | None) -> None:
    with write_transaction(runtime.sessions) as session:
        row = breaker_of(session, region.id)
        state = BreakerState(row.failures, row.opened_at)
        if error is None:
            state = after_success(state)
        else:
            state = after_failure(state, utcnow(), int(region.lapor.get("breaker_threshold", 5)))
            row.last_error = error.reason[:1000]
        row.failures, row.opened_at = state.failures, state.opened_at


def sync_statuses(runtime: Runtime, *, limit: int = 500) -> SyncSummary:
    """Poll LAPOR! for every open filed report of an api-mode region (oldest change first)."""
    summary = SyncSummary()
    with runtime.sessions() as session:
        regions = [r for r in session.scalars(select(Region)) if r.lapor.get("mode") == LaporMode.API]
        for region in regions:
            session.expunge(region)
        work = [
            (report_id, tracking_id, region_id)
            for report_id, tracking_id, region_id in session.execute(
                select(Report.id, Report.tracking_id, Report.region_id)
                .where(
                    Report.status.in_(POLLED),
                    Report.tracking_id.is_not(None),
                    Report.region_id.in_([r.id for r in regions]),
                )
                .order_by(Report.status_changed_at)
                .limit(limit)
            )
        ]
        breakers = {b.region_id: b for b in session.scalars(select(LaporBreaker))}
    by_region = {r.id: r for r in regions}
    now = utcnow()
    for region in regions:
        if region_held(breakers.get(region.id), region, now):
            summary.skipped += sum(1 for _, _, rid in work if rid == region.id)
            by_region.pop(region.id)
    adapters: dict[int, LaporAdapter] = {}
    try:
        for report_id, tracking_id, region_id in work:
            polled = by_region.get(region_id)
            if polled is None:
                continue
            summary.checked += 1
            try:
                adapter = adapters.get(region_id) or adapters.setdefault(region_id, adapter_for(polled))
                remote = adapter.status(str(tracking_id))
            except LaporNotFound as error:
                _note_missing(runtime, report_id, error)
                summary.missing += 1
                continue
            except LaporError as error:
                summary.failed += 1
                if error.retryable:
                    _breaker_outcome(runtime, polled, error)
                continue
            breaker = breakers.pop(region_id, None)
            if breaker is not None and breaker.failures:
                _breaker_outcome(runtime, polled, None)  # LAPOR! answers again: the count starts over
            try:
                _apply(runtime, report_id, remote, summary)
            except (StaleDataError, WriteLockBusy):
                summary.skipped += 1  # changed by someone meanwhile: the next sync looks again
    finally:
        close_all(adapters.values())
    return summary
