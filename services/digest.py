"""The daily digest: per OPD (its new, due-soon and overdue reports) and per region for the manager, on
working days; "new" is what was forwarded since the previous working day's digest.

Queued into the notification outbox once per recipient and local day (the event key carries the date), so
the schedule may run the job more than once a day without a second digest. An OPD with nothing open gets no
mail; the manager's digest covers every OPD of the region.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.base import utcnow
from db.deadlines import is_working_day
from db.models import Agency, Region, Report, ReportStatus
from db.session import WriteLockBusy, write_transaction
from flows.runtime import Runtime
from services.deadline_watch import clock_progress, extra_holidays, running_clocks
from services.notifications import queue_message, report_view
from services.notify.render import render_digest
from services.notify.views import DigestView, ReportView

S = ReportStatus
WITH_OPD = (S.FORWARDED, S.ACKNOWLEDGED)
DUE_SOON = 0.5  # from half of the deadline used


@dataclass
class DigestSummary:
    agencies: int = 0
    managers: int = 0
    lock_busy: bool = False

    def __str__(self) -> str:
        return f"ringkasan OPD {self.agencies}, ringkasan pengelola {self.managers}"


@dataclass
class _Lists:
    new: list[ReportView]
    due_soon: list[ReportView]
    overdue: list[ReportView]

    def __bool__(self) -> bool:
        return bool(self.new or self.due_soon or self.overdue)


def _sort(runtime: Runtime, reports: list[Report], now: datetime, since: datetime) -> _Lists:
    lists = _Lists([], [], [])
    for report in reports:
        clock = next((c for c in running_clocks(report) if c.stage == "first_followup"), None)
        view = report_view(runtime.settings, report, clock.due if clock else None)
        if clock is not None and now > clock.due:
            lists.overdue.append(view)
        elif clock is not None and clock_progress(report, clock, now) >= DUE_SOON:
            lists.due_soon.append(view)
        elif report.forwarded_at and report.forwarded_at > since:
            lists.new.append(view)
    return lists


def _previous_digest(region: Region, now: datetime) -> datetime:
    """The same local time on the previous working day: when the last digest went out, so "new" in
    Monday's digest covers Friday afternoon too."""
    zone = ZoneInfo(region.timezone)
    local = now.astimezone(zone)
    day = local.date() - timedelta(days=1)
    while not is_working_day(day, extra_holidays(region)):
        day -= timedelta(days=1)
    return datetime.combine(day, local.timetz())


def queue_digests(runtime: Runtime, *, now: datetime | None = None) -> DigestSummary:
    """Write today's digests into the notification outbox."""
    now = now or utcnow()
    summary = DigestSummary()
    console = runtime.settings.console_url
    try:
        with write_transaction(runtime.sessions) as session:
            for region in session.scalars(select(Region).order_by(Region.code)):
                day = now.astimezone(ZoneInfo(region.timezone)).date()
                if not is_working_day(day, extra_holidays(region)):
                    continue  # offices are closed: the next working day's digest covers these days
                since = _previous_digest(region, now)
                reports = session.scalars(
                    select(Report).where(Report.region_id == region.id, Report.status.in_(WITH_OPD))
                ).all()
                by_agency: dict[int, list[Report]] = defaultdict(list)
                for report in reports:
                    if report.agency_id is not None:
                        by_agency[report.agency_id].append(report)
                region_lists = _Lists([], [], [])
                for agency_id, own in sorted(by_agency.items()):
                    agency = session.get_one(Agency, agency_id)
                    lists = _sort(runtime, own, now, since)
                    region_lists.new += lists.new
                    region_lists.due_soon += lists.due_soon
                    region_lists.overdue += lists.overdue
                    if lists and _queue(
                        session, region, agency, agency.name, lists, day.isoformat(), console
                    ):
                        summary.agencies += 1
                if region_lists and _queue(
                    session, region, None, f"Pengelola {region.name}", region_lists, day.isoformat(), console
                ):
                    summary.managers += 1
    except WriteLockBusy:
        summary.lock_busy = True
    return summary


def _queue(
    session: Session, region: Region, agency: Agency | None, label: str, lists: _Lists, day: str, console: str
) -> bool:
    digest = DigestView(
        recipient_label=label,
        region_name=region.name,
        date_label=day,
        new=tuple(lists.new),
        due_soon=tuple(lists.due_soon),
        overdue=tuple(lists.overdue),
        console_url=console,
        brand=region.brand,
    )
    rows = queue_message(
        session,
        region=region,
        agency=agency,
        report=None,
        kind="digest",
        rung="liaison" if agency else "manager",
        event=f"digest:{region.code}:{agency.code if agency else 'manager'}:{day}",
        rendered=render_digest(digest),
        payload={"event": "ringkasan_harian", "wilayah": region.name, "tanggal": day},
    )
    return bool(rows)
