"""The OPD liaison's inbox: only its own agency's reports, most urgent first, each with its next deadline and
how much of it is left.

Time left is counted as people count days on a calendar of working days, in the region's time zone:
"sisa 2 hari kerja" on a Monday for a deadline that ends on Wednesday (Tuesday and Wednesday are left, and
the rest of today), "sisa 5 hari kerja" on the Sunday before; on the last day "tenggat hari ini";
"lewat 1 hari kerja" on the Thursday after it, "lewat tenggat" on the weekend after a Friday deadline. A
weekend, holiday or cuti bersama is not a working day (``db.deadlines.count_working_days``). The settlement
deadline runs in calendar days, and says "hari" without "kerja".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import joinedload

from config.schema import AgencyKind
from db.base import utcnow
from db.deadlines import count_working_days
from db.local_time import local_display
from db.models import Agency, Report, ReportStatus
from db.workflow import label
from flows.runtime import Runtime
from services.accounts import Account
from services.actions import Forbidden
from services.deadline_watch import extra_holidays
from services.reports import PAGE_SIZE, STAGE_LABELS, next_deadline

S = ReportStatus


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
    counts: dict[InboxView, int]  # per view, every report in it
    page: int = 1
    pages: int = 1


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
    overdue = now > due
    first, last = (due_day, today) if overdue else (today, due_day)
    if stage == "settlement":  # calendar days
        unit, days = "hari", max(0, (last - first).days)
    else:  # the days after the first, up to and including the last
        unit, days = "hari kerja", count_working_days(first + timedelta(days=1), last, extra_holidays(region))
    if overdue:
        text = f"lewat {days} {unit}" if days else "lewat tenggat"
    else:
        text = f"sisa {days} {unit}" if days else "tenggat hari ini"
    return TimeLeft(
        stage=STAGE_LABELS[stage],
        due_at=due,
        due=local_display(due, region.timezone),
        text=text,
        used_percent=min(100, max(0, round(used * 100))),
        overdue=overdue,
    )


def _earliest(first: ColumnElement[datetime], second: ColumnElement[datetime]) -> ColumnElement[datetime]:
    """The earlier of two moments in SQL, either of which may be NULL."""
    return case((first.is_(None), second), (second.is_(None), first), (first <= second, first), else_=second)


# The next deadline of a report that needs the OPD's action, in SQL, as ``services.deadline_watch.
# running_clocks`` finds it for a forwarded or acknowledged report: the first follow-up, and the settlement
# once the report is filed in LAPOR!. The page is sorted and cut by it; ``time_left`` says it in words.
NEXT_DUE = _earliest(
    case((Report.forwarded_at.is_not(None), Report.followup_due_at)),
    case((Report.filed_at.is_not(None), Report.settlement_due_at)),
)
ORDER = {
    # overdue first, then the nearest deadline; those without one last, the most recently changed first
    InboxView.ACTION: (NEXT_DUE.is_(None), NEXT_DUE, Report.status_changed_at.desc(), Report.id.desc()),
    InboxView.DONE: (Report.status_changed_at.desc(), Report.id.desc()),  # the latest answered first
}


def opd_inbox(
    runtime: Runtime, account: Account, view: InboxView, page: int = 1, now: datetime | None = None
) -> Inbox:
    """One page of the reports of ``account``'s agency (never another's) in ``view``, most urgent first (the
    latest answered first in "selesai"); the time left is worked out for that page alone."""
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
        pages = max(1, -(-counts[view] // PAGE_SIZE))
        page = min(max(1, page), pages)
        query = (
            select(Report)
            .where(*mine, Report.status.in_(STATUSES[view]))
            .options(joinedload(Report.region))
            .order_by(*ORDER[view])
            .offset((page - 1) * PAGE_SIZE)
            .limit(PAGE_SIZE)
        )
        items = [
            InboxItem(
                id=report.id,
                judul=report.judul,
                lokasi=report.lokasi,
                kategori=report.kategori,
                status=report.status,
                keadaan=label(report.status),
                tracking=report.tracking_id,
                deadline=time_left(report, now),
            )
            for report in session.scalars(query)
        ]
    return Inbox(view=view, items=items, counts=counts, page=page, pages=pages)


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
