"""The figures of a region's dashboard for a period, beside the period before it: the funnel from detection to
closing, deadline compliance per OPD, incidents by function, kecamatan and week, and the oldest open and most
overdue reports. Every figure links to the queue's list of the reports behind it (``/antrean`` with the same
filters and the period's days).

Definitions (docs/dashboards.md):
- a report belongs to the period in which it entered the queue (local days, the region's time zone);
- the funnel counts the reports of the period that reached each step by now: detected (queued), reviewed (an
  operator approved or set it aside), filed in LAPOR!, forwarded to an OPD, answered (tindak lanjut), closed;
  the time of a step is the median time from the step before, over the reports that made both;
- compliance is of the reports forwarded to each OPD in the period: answered within the first follow-up
  deadline, out of those answered or already past it (a report still within its time counts for neither);
  response times in working days of the region's calendar; "overdue now" counts every report waiting for the
  OPD past its deadline, whenever it was forwarded.
"""

from __future__ import annotations

import logging
import statistics
import threading
import time as clock
from collections import Counter, OrderedDict, defaultdict
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Row, exists, func, select, true
from sqlalchemy.orm import InstrumentedAttribute, Session

from config.errors import PantauError
from db.base import utcnow
from db.deadlines import count_working_days
from db.json_sql import json_array_texts
from db.local_time import local_display
from db.models import Agency, Detection, Document, Issue, Region, Report, ReportStatus, Source
from db.workflow import ENDED, label
from flows.runtime import Runtime
from services.deadline_watch import extra_holidays
from services.source_overview import SourceRow, region_sources

LOG = logging.getLogger(__name__)
S = ReportStatus
WAITING_FOR_OPD = (S.FORWARDED, S.ACKNOWLEDGED)
SET_ASIDE = (S.REJECTED, S.ARCHIVED, S.NOT_AUTHORITY, S.POSTPONED)
TOP = 10  # oldest open and most overdue reports shown


class InvalidPeriod(PantauError):
    """A period the dashboard cannot read."""


@dataclass(frozen=True)
class Period:
    first: date  # local days, both included
    last: date

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def before(self) -> Period:
        """The period of the same length just before this one (the quarter before a quarter)."""
        if _is_quarter(self):
            end = self.first - timedelta(days=1)
            return quarter(end.year, (end.month - 1) // 3 + 1)
        return Period(self.first - timedelta(days=self.days), self.first - timedelta(days=1))

    @property
    def label(self) -> str:
        if _is_quarter(self):
            return f"Triwulan {(self.first.month - 1) // 3 + 1} {self.first.year}"
        return f"{self.first:%d/%m/%Y} - {self.last:%d/%m/%Y}"

    def query(self) -> dict[str, str]:
        """The queue's filters for the reports of this period."""
        return {"dari": self.first.isoformat(), "sampai": self.last.isoformat()}


@dataclass(frozen=True)
class Narrowing:
    """The dashboard's filters besides the period: a function, an agency and a source (a report whose
    incident that source mentioned); each empty one narrows nothing. Watchlist trends and the sources'
    health are of the whole region."""

    function: str = ""
    agency: str = ""  # code
    source: str = ""  # slug

    def query(self) -> dict[str, str]:
        """The queue's filters for the same reports."""
        named = {"fungsi": self.function, "opd": self.agency, "sumber": self.source}
        return {name: value for name, value in named.items() if value}

    def conditions(self, region_id: int) -> list[ColumnElement[bool]]:
        """On Report and Issue (a query must join Issue)."""
        found: list[ColumnElement[bool]] = []
        if self.function:
            found.append(Issue.function == self.function)
        if self.agency:
            agency = select(Agency.id).where(Agency.region_id == region_id, Agency.code == self.agency)
            found.append(Report.agency_id.in_(agency))
        if self.source:
            mentioned = (
                select(Detection.id)
                .join(Document, Document.id == Detection.document_id)
                .join(Source, Source.id == Document.source_id)
                .where(Detection.issue_id == Report.issue_id, Source.slug == self.source)
            )
            found.append(exists(mentioned))
        return found


def quarter(year: int, number: int) -> Period:
    first = date(year, 3 * number - 2, 1)
    following = date(year + (number == 4), (3 * number) % 12 + 1, 1)
    return Period(first, following - timedelta(days=1))


def _is_quarter(period: Period) -> bool:
    return (
        period.first.day == 1
        and period.first.month % 3 == 1
        and quarter(period.first.year, (period.first.month - 1) // 3 + 1) == period
    )


def period_asked(named: str, first: str, last: str, today: date) -> Period:
    """The period a form asks for: a quarter ("2026Q3"), or days (both "YYYY-MM-DD"), else this quarter."""
    if first.strip() or last.strip():
        try:
            start, end = date.fromisoformat(first.strip()), date.fromisoformat(last.strip())
        except ValueError:
            raise InvalidPeriod("isi kedua tanggal periode (TTTT-BB-HH)") from None
        if end < start or (end - start).days > 3 * 366:
            raise InvalidPeriod("periode harus maju dan paling lama tiga tahun")
        return Period(start, end)
    text = named.strip().upper()
    if text:
        year, _, number = text.partition("Q")
        if not (year.isdigit() and number in {"1", "2", "3", "4"}):
            raise InvalidPeriod(f"triwulan {named!r} tidak dikenal (mis. 2026Q3)")
        return quarter(int(year), int(number))
    return quarter(today.year, (today.month - 1) // 3 + 1)


@dataclass(frozen=True)
class FunnelStep:
    name: str
    count: int
    share: float | None  # of the step before (None for the first)
    median_hours: float | None  # from the step before, over the reports that made both
    link: str


@dataclass(frozen=True)
class Compliance:
    code: str  # the agency's
    agency: str  # short name
    forwarded: int
    decided: int  # answered, or past the deadline
    in_time: int
    share: float | None  # in_time / decided
    median_days: float | None  # working days from forwarding to the answer
    p90_days: float | None
    overdue_now: int
    previous_share: float | None
    link: str


@dataclass(frozen=True)
class Count:
    label: str
    count: int
    previous: int
    link: str
    code: str = ""  # what is counted (a function, kecamatan or agency code), when it has one


@dataclass(frozen=True)
class Listed:
    id: int
    judul: str
    agency: str
    status: str
    since: str  # local time
    days: int  # open for, or overdue by (working days)


@dataclass(frozen=True)
class Notable:
    """An incident of the period that stands out: urgent, or mentioned most often."""

    id: int
    judul: str
    agency: str
    status: str
    mentions: int
    urgent: bool


@dataclass(frozen=True)
class WatchlistTrend:
    """A watchlist's hits (mentions that matched it) a day in the period, with its spikes: days far above the
    fortnight before (``SPIKE_*``)."""

    name: str
    total: int
    days: list[tuple[str, int, bool]]  # (dd/mm, hits, a spike)
    spikes: list[str]  # "dd/mm (n)"
    link: str


@dataclass
class Dashboard:
    region: str
    period: Period
    previous: Period
    total: int
    funnel: list[FunnelStep]
    compliance: list[Compliance]
    by_function: list[Count]
    by_kecamatan: list[Count]
    by_agency: list[Count]
    weekly: list[Count]
    oldest_open: list[Listed] = field(default_factory=list)
    most_overdue: list[Listed] = field(default_factory=list)
    notable: list[Notable] = field(default_factory=list)
    sources: list[SourceRow] = field(default_factory=list)  # their health now, whatever the period
    watchlists: list[WatchlistTrend] = field(default_factory=list)
    made_at: str = ""  # local time the figures were counted


# -- reading -------------------------------------------------------------------------------------------------


COLUMNS = (
    Report.id,
    Report.status,
    Report.agency_id,
    Report.queued_at,
    Report.approved_at,
    Report.status_changed_at,
    Report.filed_at,
    Report.forwarded_at,
    Report.followup_due_at,
    Report.followed_up_at,
    Report.closed_at,
    Issue.function,
    Issue.kecamatan_code,
)


def _bounds(period: Period, zone: ZoneInfo) -> tuple[datetime, datetime]:
    return (
        datetime.combine(period.first, time(), zone),
        datetime.combine(period.last + timedelta(days=1), time(), zone),
    )


def _rows(
    session: Session,
    region_id: int,
    moment: InstrumentedAttribute[Any],
    period: Period,
    zone: ZoneInfo,
    narrowed: Sequence[ColumnElement[bool]],
    columns: Sequence[Any] = COLUMNS,
) -> Sequence[Row[Any]]:
    """``columns`` of the region's reports whose ``moment`` falls in ``period``, ``narrowed``."""
    start, end = _bounds(period, zone)
    query = (
        select(*columns)
        .join(Issue, Report.issue_id == Issue.id)
        .where(Report.region_id == region_id, moment >= start, moment < end, *narrowed)
    )
    return session.execute(query).all()


# what compliance reads of the reports forwarded in a period
FORWARDING = (Report.agency_id, Report.forwarded_at, Report.followup_due_at, Report.followed_up_at)
# what the period before is compared by
COMPARED = (Report.agency_id, Issue.function, Issue.kecamatan_code)


def _median(values: Iterable[float]) -> float | None:
    values = list(values)
    return statistics.median(values) if values else None


def _p90(values: Iterable[float]) -> float | None:
    values = sorted(values)
    if not values:
        return None
    return values[min(len(values) - 1, int(0.9 * len(values)))]


def _hours(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return (end - start).total_seconds() / 3600


def _link(**filters: str) -> str:
    return "/antrean?" + urlencode({"status": "semua", **filters})


def _reviewed_at(r: Row[Any]) -> datetime | None:
    """When an operator decided: approved it, or set it aside (rejected, archived, not ours, postponed)."""
    moment: datetime | None = r.approved_at or (r.status_changed_at if r.status in SET_ASIDE else None)
    return moment


def _moments(r: Row[Any]) -> tuple[datetime | None, ...]:
    """When a report reached each of the funnel's steps (None: not yet)."""
    return (r.queued_at, _reviewed_at(r), r.filed_at, r.forwarded_at, r.followed_up_at, r.closed_at)


# the funnel's steps (in the order of ``_moments``) and the status their link lists (none: every status)
STEPS: tuple[tuple[str, str | None], ...] = (
    ("Terdeteksi", None),
    ("Ditinjau operator", None),
    ("Masuk LAPOR!", None),
    ("Diteruskan ke OPD", None),
    ("Ditindaklanjuti OPD", S.FOLLOWED_UP),
    ("Selesai", S.CLOSED),
)


def _funnel(rows: Sequence[Row[Any]], period: Period, extra: dict[str, str]) -> list[FunnelStep]:
    moments = [_moments(r) for r in rows]
    made: list[FunnelStep] = []
    for step, (name, status) in enumerate(STEPS):
        reached = [m for m in moments if m[step] is not None]
        link = _link(**period.query(), **extra, **({"status": status} if status else {}))
        if not step:
            made.append(FunnelStep(name, len(reached), None, None, link))
            continue
        gaps = (_hours(m[step - 1], m[step]) for m in reached)
        median = _median(g for g in gaps if g is not None and g >= 0)
        share = len(reached) / made[-1].count if made[-1].count else None
        made.append(FunnelStep(name, len(reached), share, median, link))
    return made


@dataclass(frozen=True)
class Deadlines:
    """The reports forwarded in the period and in the one before, and how to count their working days."""

    forwarded: Sequence[Any]
    forwarded_before: Sequence[Any]
    days_off: frozenset[date]
    zone: ZoneInfo
    now: datetime

    def figures(self, forwarded: Sequence[Any]) -> tuple[int, int, list[float]]:
        """(decided, answered in time, working days to each answer)."""
        decided = in_time = 0
        days: list[float] = []
        for r in forwarded:
            due = r.followup_due_at
            if r.followed_up_at is not None:
                decided += 1
                in_time += bool(due is None or r.followed_up_at <= due)
                first = r.forwarded_at.astimezone(self.zone).date() + timedelta(days=1)
                last = r.followed_up_at.astimezone(self.zone).date()
                days.append(count_working_days(first, last, self.days_off))
            elif due is not None and due < self.now:
                decided += 1
        return decided, in_time, days


def _by_agency(rows: Sequence[Any]) -> dict[int, list[Any]]:
    grouped: dict[int, list[Any]] = defaultdict(list)
    for r in rows:
        if r.agency_id is not None:
            grouped[r.agency_id].append(r)
    return grouped


def _compliance(
    clock: Deadlines,
    names: dict[int, str],
    codes: dict[int, str],
    overdue_now: Counter[int],
    period: Period,
    extra: dict[str, str],
) -> list[Compliance]:
    by_agency, before = _by_agency(clock.forwarded), _by_agency(clock.forwarded_before)
    made = []
    for agency_id in set(by_agency) | set(overdue_now):
        decided, in_time, days = clock.figures(by_agency.get(agency_id, []))
        was_decided, was_in_time, _ = clock.figures(before.get(agency_id, []))
        made.append(
            Compliance(
                code=codes.get(agency_id, "?"),
                agency=names.get(agency_id, "?"),
                forwarded=len(by_agency.get(agency_id, [])),
                decided=decided,
                in_time=in_time,
                share=in_time / decided if decided else None,
                median_days=_median(days),
                p90_days=_p90(days),
                overdue_now=overdue_now.get(agency_id, 0),
                previous_share=was_in_time / was_decided if was_decided else None,
                link=_link(**{**extra, "opd": codes.get(agency_id, "")}, **period.query()),
            )
        )
    # the best first: highest share in time, then the quickest; those with nothing decided last
    return sorted(made, key=lambda c: (c.share is None, -(c.share or 0), c.median_days or 0, c.agency))


def _counts(
    current: Counter[str],
    before: Counter[str],
    labels: dict[str, str],
    key: str,
    period: Period,
    extra: dict[str, str],
) -> list[Count]:
    return [
        Count(
            label=labels.get(code, code or "(belum diketahui)"),
            count=n,
            previous=before.get(code, 0),
            link=_link(**{**extra, key: code}, **period.query()),
            code=code,
        )
        for code, n in current.most_common()
    ]


def _weekly(rows: Sequence[Any], period: Period, zone: ZoneInfo, extra: dict[str, str]) -> list[Count]:
    weeks: Counter[date] = Counter()
    for r in rows:
        day = r.queued_at.astimezone(zone).date()
        weeks[day - timedelta(days=day.weekday())] += 1
    monday = period.first - timedelta(days=period.first.weekday())
    made = []
    while monday <= period.last:
        first, last = max(monday, period.first), min(monday + timedelta(days=6), period.last)
        link = _link(**extra, dari=first.isoformat(), sampai=last.isoformat())
        made.append(Count(f"{monday:%d/%m}", weeks.get(monday, 0), 0, link))
        monday += timedelta(days=7)
    return made


BASELINE_DAYS = 14  # a day is compared with the fortnight before it
SPIKE_MIN = 3  # a spike has at least this many hits
SPIKE_FACTOR = 3  # ... and at least this many times the fortnight's median (1 when it is 0)


def _watchlist_trends(
    session: Session, region_id: int, period: Period, zone: ZoneInfo
) -> list[WatchlistTrend]:
    start, end = _bounds(period, zone)
    hits = json_array_texts(Detection.watchlists).table_valued("value")
    rows = session.execute(
        select(hits.c.value, Detection.created_at)
        .select_from(Detection)
        .join(hits, true())
        .where(
            Detection.region_id == region_id,
            Detection.created_at >= start - timedelta(days=BASELINE_DAYS),
            Detection.created_at < end,
        )
    ).all()
    daily: dict[str, Counter[date]] = defaultdict(Counter)
    for name, moment in rows:
        daily[name][moment.astimezone(zone).date()] += 1
    trends = []
    for name, counts in sorted(daily.items()):
        days, spikes = [], []
        day = period.first
        while day <= period.last:
            before = [counts.get(day - timedelta(days=n), 0) for n in range(1, BASELINE_DAYS + 1)]
            n = counts.get(day, 0)
            spike = n >= SPIKE_MIN and n >= SPIKE_FACTOR * max(statistics.median(before), 1)
            days.append((f"{day:%d/%m}", n, spike))
            if spike:
                spikes.append(f"{day:%d/%m} ({n})")
            day += timedelta(days=1)
        total = sum(n for _, n, _ in days)
        if total:
            trends.append(WatchlistTrend(name, total, days, spikes, _link(watchlist=name, **period.query())))
    return sorted(trends, key=lambda t: -t.total)


def dashboard(
    runtime: Runtime,
    region_id: int,
    period: Period,
    now: datetime | None = None,
    narrowing: Narrowing = Narrowing(),
) -> Dashboard:
    """The region's figures for ``period``, beside the period before it, of the reports ``narrowing``
    keeps."""
    now = now or utcnow()
    catalog = runtime.catalog
    narrowed, extra = narrowing.conditions(region_id), narrowing.query()
    with runtime.sessions() as session:
        region = session.get_one(Region, region_id)
        zone, days_off = ZoneInfo(region.timezone), extra_holidays(region)
        previous = period.before()
        rows = _rows(session, region_id, Report.queued_at, period, zone, narrowed)
        earlier = _rows(session, region_id, Report.queued_at, previous, zone, narrowed, COMPARED)
        forwarded = _rows(session, region_id, Report.forwarded_at, period, zone, narrowed, FORWARDING)
        forwarded_before = _rows(
            session, region_id, Report.forwarded_at, previous, zone, narrowed, FORWARDING
        )
        agencies = session.execute(
            select(Agency.id, Agency.code, Agency.short_name).where(Agency.region_id == region_id)
        ).all()
        late = session.execute(
            select(Report.agency_id, Report.id, Report.judul, Report.status, Report.followup_due_at)
            .join(Issue, Report.issue_id == Issue.id)
            .where(
                Report.region_id == region_id,
                Report.status.in_(WAITING_FOR_OPD),
                Report.followup_due_at < now,
                *narrowed,
            )
            .order_by(Report.followup_due_at)
        ).all()
        start, end = _bounds(period, zone)
        notable = session.execute(
            select(
                Report.id, Report.judul, Report.agency_id, Report.status, Issue.mention_count, Issue.urgent
            )
            .join(Issue, Report.issue_id == Issue.id)
            .where(
                Report.region_id == region_id, Report.queued_at >= start, Report.queued_at < end, *narrowed
            )
            .order_by(Issue.urgent.desc(), Issue.mention_count.desc(), Report.id)
            .limit(TOP)
        ).all()
        watchlists = _watchlist_trends(session, region_id, period, zone)
        oldest = session.execute(
            select(Report.id, Report.judul, Report.agency_id, Report.status, Report.queued_at)
            .join(Issue, Report.issue_id == Issue.id)
            .where(Report.region_id == region_id, Report.status.not_in(list(ENDED)), *narrowed)
            .order_by(Report.queued_at, Report.id)
            .limit(TOP)
        ).all()
    names = {a.id: a.short_name for a in agencies}
    codes = {a.id: a.code for a in agencies}
    overdue_now = Counter(r.agency_id for r in late if r.agency_id is not None)
    gazetteer = catalog.regions.get(region.code)
    places = {k.code: k.name for k in gazetteer.gazetteer.kecamatan} if gazetteer else {}
    functions = {code: f.name for code, f in catalog.functions.items()}
    today = now.astimezone(zone).date()
    return Dashboard(
        sources=region_sources(runtime, region_id).rows,
        watchlists=watchlists,
        made_at=local_display(now, region.timezone),
        region=region.name,
        period=period,
        previous=previous,
        total=len(rows),
        funnel=_funnel(rows, period, extra),
        compliance=_compliance(
            Deadlines(forwarded, forwarded_before, days_off, zone, now),
            names,
            codes,
            overdue_now,
            period,
            extra,
        ),
        by_function=_counts(
            Counter(r.function or "" for r in rows),
            Counter(r.function or "" for r in earlier),
            functions,
            "fungsi",
            period,
            extra,
        ),
        by_kecamatan=_counts(
            Counter(r.kecamatan_code or "" for r in rows),
            Counter(r.kecamatan_code or "" for r in earlier),
            places,
            "kecamatan",
            period,
            extra,
        ),
        by_agency=_counts(
            Counter(codes.get(r.agency_id, "") for r in rows),
            Counter(codes.get(r.agency_id, "") for r in earlier),
            {codes[i]: names[i] for i in codes},
            "opd",
            period,
            extra,
        ),
        weekly=_weekly(rows, period, zone, extra),
        notable=[
            Notable(r.id, r.judul, names.get(r.agency_id, "-"), label(r.status), r.mention_count, r.urgent)
            for r in notable
        ],
        oldest_open=[
            Listed(
                id=r.id,
                judul=r.judul,
                agency=names.get(r.agency_id, "-"),
                status=label(r.status),
                since=local_display(r.queued_at, region.timezone),
                days=(today - r.queued_at.astimezone(zone).date()).days,
            )
            for r in oldest
        ],
        most_overdue=[
            Listed(
                id=r.id,
                judul=r.judul,
                agency=names.get(r.agency_id, "-"),
                status=label(r.status),
                since=local_display(r.followup_due_at, region.timezone),
                days=count_working_days(
                    r.followup_due_at.astimezone(zone).date() + timedelta(days=1), today, days_off
                ),
            )
            for r in late[:TOP]
        ],
    )


MAX_AGE_SECONDS = 300  # how old the figures a page shows may be, before they are counted again
_CACHE: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()
_CACHE_SIZE = 64
_CACHE_LOCK = threading.Lock()
_COUNTING: dict[Hashable, threading.Lock] = {}  # one count at a time per key


def recent_dashboard(
    runtime: Runtime, region_id: int, period: Period, narrowing: Narrowing = Narrowing()
) -> Dashboard:
    """``dashboard``, counted at most every ``MAX_AGE_SECONDS`` per region and period in this process: a busy
    region's quarter takes a second or two to count, and twenty people reading it need not each pay for
    that. The first to ask counts (those who ask meanwhile wait for that count); once the figures are that
    old, they are still shown while a thread counts them again. The page says when they were counted
    (``Dashboard.made_at``)."""
    key = ("dashboard", runtime.settings.resolved_database_url, region_id, period, narrowing)
    made: Dashboard = _recent(key, lambda: dashboard(runtime, region_id, period, narrowing=narrowing))
    return made


def _recent(key: Hashable, count: Callable[[], Any]) -> Any:
    """What ``count`` returns, kept under ``key`` and counted again in the background once older than
    ``MAX_AGE_SECONDS`` (see ``recent_dashboard``)."""
    with _CACHE_LOCK:
        found = _CACHE.get(key)
        counting = _COUNTING.setdefault(key, threading.Lock())
    if found is None:
        with counting:
            with _CACHE_LOCK:
                found = _CACHE.get(key)
            if found is None:
                return _count(key, count)
    if clock.monotonic() - found[0] >= MAX_AGE_SECONDS and counting.acquire(blocking=False):
        counting.release()
        threading.Thread(target=_recount, args=(key, count, counting), daemon=True).start()
    return found[1]


def _count(key: Hashable, count: Callable[[], Any]) -> Any:
    started = clock.monotonic()
    made = count()
    with _CACHE_LOCK:
        _CACHE[key] = (started, made)
        _CACHE.move_to_end(key)
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return made


def _recount(key: Hashable, count: Callable[[], Any], counting: threading.Lock) -> None:
    """Count stale figures again, unless another thread already is."""
    if not counting.acquire(blocking=False):
        return
    try:
        _count(key, count)
    except Exception:  # the stale figures stay; the next request past the minute tries again
        LOG.exception("counting %r again failed", key)
    finally:
        counting.release()


@dataclass(frozen=True)
class RegionRow:
    """One kabupaten/kota of a province, beside the others: how much came in and how well its OPDs kept
    their deadlines in the period."""

    code: str
    name: str
    total: int
    forwarded: int
    share_in_time: float | None  # answered within the deadline, of those answered or past it
    median_of_opds: float | None  # the middle of its OPDs' median working days to the answer
    overdue_now: int


def recent_comparison(
    runtime: Runtime, regions: Sequence[tuple[str, str]], period: Period
) -> list[RegionRow]:
    """``compare_regions``, kept like ``recent_dashboard``: a province's year is a second's counting."""
    key = ("regions", runtime.settings.resolved_database_url, tuple(regions), period)
    made: list[RegionRow] = _recent(key, lambda: compare_regions(runtime, regions, period))
    return made


def compare_regions(
    runtime: Runtime, regions: Sequence[tuple[str, str]], period: Period, now: datetime | None = None
) -> list[RegionRow]:
    """The province user's kabupaten/kota side by side for ``period``, the best share in time first. Each
    row holds the region's own figures as its dashboard counts them, but only those: the reports queued, and
    the forwarded ones with their deadlines (no funnel, lists, sources or watchlists)."""
    now = now or utcnow()
    rows = []
    with runtime.sessions() as session:
        found = {
            r.code: r for r in session.scalars(select(Region).where(Region.code.in_([c for c, _ in regions])))
        }
        for code, name in regions:
            if code in found:
                rows.append(_region_row(session, found[code], name, period, now))
    return sorted(rows, key=lambda r: (r.share_in_time is None, -(r.share_in_time or 0), r.code))


def _region_row(session: Session, region: Region, name: str, period: Period, now: datetime) -> RegionRow:
    zone = ZoneInfo(region.timezone)
    start, end = _bounds(period, zone)
    total = session.scalar(
        select(func.count())
        .select_from(Report)
        .join(Issue, Report.issue_id == Issue.id)
        .where(Report.region_id == region.id, Report.queued_at >= start, Report.queued_at < end)
    )
    forwarded = _rows(session, region.id, Report.forwarded_at, period, zone, (), FORWARDING)
    overdue_now = session.scalar(
        select(func.count())
        .select_from(Report)
        .join(Issue, Report.issue_id == Issue.id)
        .where(
            Report.region_id == region.id,
            Report.agency_id.is_not(None),
            Report.status.in_(WAITING_FOR_OPD),
            Report.followup_due_at < now,
        )
    )
    clock = Deadlines(forwarded, (), extra_holidays(region), zone, now)
    per_agency = [clock.figures(reports) for reports in _by_agency(forwarded).values()]
    decided = sum(f[0] for f in per_agency)
    in_time = sum(f[1] for f in per_agency)
    medians = [statistics.median(days) for _, _, days in per_agency if days]
    return RegionRow(
        code=region.code,
        name=name,
        total=total or 0,
        forwarded=sum(1 for r in forwarded if r.agency_id is not None),
        share_in_time=in_time / decided if decided else None,
        median_of_opds=statistics.median(medians) if medians else None,
        overdue_now=overdue_now or 0,
    )
