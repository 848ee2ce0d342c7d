"""The OPD liaison's inbox: only its own agency's reports, most urgent first, each with its next deadline and
how much of it is left.

Time left is counted as people count days on a calendar of working days, in the region's time zone:
"sisa 2 hari kerja" on a Monday for a deadline that ends on Wednesday (Tuesday and Wednesday are left, and
the rest of today), "sisa 5 hari kerja" on the Sunday before; on the last day "tenggat hari ini";
"lewat 1 hari kerja" on the Thursday after it, "lewat tenggat" on the weekend after a Friday deadline. A
weekend, holiday or cuti bersama is not a working day (``db.deadlines.is_working_day``). The settlement
deadline runs in calendar days, and says "hari" without "kerja".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from config.schema import AgencyKind
from db.base import utcnow
from db.deadlines import is_working_day
from db.local_time import local_display
from db.models import Agency, Report, ReportStatus
from db.workflow import label
from flows.runtime import Runtime
from services.accounts import Account
from services.actions import Forbidden
from services.deadline_watch import extra_holidays
from services.reports import STAGE_LABELS, next_deadline

S = ReportStatus
DONE_SHOWN = 100  # answered and closed reports shown, the most recently changed first


class InboxView(StrEnum):
    ACTION = "perlu-tindakan"  # forwarded, or acknowledged and not yet answered
    DONE = "selesai"  # answered (tindak lanjut sent) or closed


STATUSES = {
    InboxView.ACTION: (S.FORWARDED, S.ACKNOWLEDGED),
    InboxView.DONE: (S.FOLLOWED_UP, S.CLOSED),
}
VIEW_LABELS = {InboxView.ACTION: "Perlu tindakan", InboxView.DONE: "Selesai"}


def view_named(name: str | None) -> InboxView:
    """The view a link asks for; anything else is the default (what needs the liaison's action)."""
    return InboxView(name) if name in set(InboxView) else InboxView.ACTION


@dataclass(frozen=True)
class TimeLeft:
    stage: str  # which deadline, in words ("tindak lanjut")
    due_at: datetime
    due: str  # when, local time
    text: str  # "sisa 2 hari kerja", "tenggat hari ini", "lewat 1 hari kerja"
    used_percent: int  # of the deadline's time, 0-100 (the bar; past 100 it is simply full)
    overdue: bool


@dataclass(frozen=True)
class InboxItem:
    id: int
    judul: str
    lokasi: str
    kategori: str
    status: str
    keadaan: str  # the status in words
    tracking: str | None
    deadline: TimeLeft | None


@dataclass(frozen=True)
class Inbox:
    view: InboxView
    items: list[InboxItem]
    counts: dict[InboxView, int]  # per view, every report in it (the list of "selesai" is cut at DONE_SHOWN)


def _days_after(first: date, last: date, counted: Callable[[date], bool]) -> int:
    """How many days after ``first`` up to and including ``last`` are ``counted``."""
    return sum(1 for n in range(1, (last - first).days + 1) if counted(first + timedelta(days=n)))


def time_left(report: Report, now: datetime) -> TimeLeft | None:
    """The report's next deadline (``services.reports.next_deadline``) and how many days of it are left
    after today, or how many have passed since it, today included."""
    found = next_deadline(report, now)
    if found is None:
        return None
    stage, due, used = found
    region = report.region
    zone = ZoneInfo(region.timezone)
    today, due_day = now.astimezone(zone).date(), due.astimezone(zone).date()
    if stage == "settlement":  # calendar days
        unit, counted = "hari", _every_day
    else:
        off = extra_holidays(region)
        unit, counted = "hari kerja", lambda day: is_working_day(day, off)
    overdue = now > due
    if overdue:
        days = _days_after(due_day, today, counted)
        text = f"lewat {days} {unit}" if days else "lewat tenggat"
    else:
        days = _days_after(today, due_day, counted)
        text = f"sisa {days} {unit}" if days else "tenggat hari ini"
    return TimeLeft(
        stage=STAGE_LABELS[stage],
        due_at=due,
        due=local_display(due, region.timezone),
        text=text,
        used_percent=min(100, max(0, round(used * 100))),
        overdue=overdue,
    )


def _every_day(day: date) -> bool:
    return True


def _urgency(deadline: TimeLeft | None, changed: datetime) -> tuple[bool, float, float]:
    """Overdue first, then the nearest deadline; those without one last, the most recently changed first."""
    return (deadline is None, deadline.due_at.timestamp() if deadline else 0.0, -changed.timestamp())


def opd_inbox(runtime: Runtime, account: Account, view: InboxView, now: datetime | None = None) -> Inbox:
    """The reports of ``account``'s agency (never another's) in ``view``, most urgent first."""
    if account.agency_id is None:
        raise Forbidden(f"{account.username} bukan penghubung OPD")
    now = now or utcnow()
    mine = (Report.region_id == account.region_id, Report.agency_id == account.agency_id)
    with runtime.sessions() as session:
        counts = {
            shown: session.scalar(
                select(func.count()).select_from(Report).where(*mine, Report.status.in_(STATUSES[shown]))
            )
            or 0
            for shown in InboxView
        }
        query = select(Report).where(*mine, Report.status.in_(STATUSES[view]))
        if view == InboxView.DONE:
            query = query.order_by(Report.status_changed_at.desc(), Report.id.desc()).limit(DONE_SHOWN)
        ranked = []
        for report in session.scalars(query):
            item = InboxItem(
                id=report.id,
                judul=report.judul,
                lokasi=report.lokasi,
                kategori=report.kategori,
                status=report.status,
                keadaan=label(report.status),
                tracking=report.tracking_id,
                deadline=time_left(report, now),
            )
            ranked.append((_urgency(item.deadline, report.status_changed_at), item))
    ranked.sort(key=lambda pair: pair[0])
    return Inbox(view=view, items=[item for _, item in ranked], counts=counts)


def agencies_to_suggest(runtime: Runtime, account: Account) -> list[tuple[str, str]]:
    """The region's other active agencies (code, name) an OPD may name when it returns a report as not its
    own, bodies outside the regional government in the table (PLN, national roads) included; the
    complaint desk (Diskominfo) is not one of them."""
    query = (
        select(Agency.code, Agency.name)
        .where(
            Agency.region_id == account.region_id,
            Agency.active.is_(True),
            Agency.kind != AgencyKind.ADMIN,
        )
        .order_by(Agency.name)
    )
    if account.agency_id is not None:
        query = query.where(Agency.id != account.agency_id)
    with runtime.sessions() as session:
        return [(row.code, row.name) for row in session.execute(query)]
