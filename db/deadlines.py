"""Deadlines in working time, in the region's time zone: when a report is due, how much of its time is used,
how far past due it is.

A working day is a weekday that is not an Indonesian national holiday (the ``holidays`` package), not cuti
bersama (``config/data/cuti_bersama.yaml``, see ``config.calendar``) and not one of the region's
``extra_holidays``. Which day a moment falls on is decided by the region's local clock: a report at 23:30 WITA
belongs to that day, one at 00:30 WITA to the next.

The rules, and why:

- ``due_at``: a deadline of N working days ends at 23:59:59 local of the N-th working day after the day the
  clock started. LAPOR! counts whole days, so the day of arrival is not counted and the last day is given
  in full.
- Working time: a working day counts in full, from 00:00 to the next 00:00 local (24 h: Indonesia keeps no
  daylight saving); a weekend, holiday or cuti bersama counts zero. Office hours are not modelled because the
  deadline itself is in whole days; so a weekend or holiday does not eat the OPD's time, and time runs evenly
  through a working day.
- ``progress``: working time used since the start over the working time from start to due: 0.0 at the start,
  1.0 at the due time, above 1 once overdue. A report that arrives on Saturday starts using time on Monday.
- ``working_days_overdue``: whole working days of working time since the due time; 0 until one full working
  day has passed after it (and before it).

Counting never walks the calendar day by day: each year's running count of working days is made once per set
of extra holidays (``_running_count``), so a report forwarded months ago costs what one forwarded today does
(the console computes the time left of every row it shows).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from config.calendar import cuti_bersama

WARNING_LEVELS = (50, 75, 90)  # percent of the deadline's working time used, when a reminder is due
SECONDS_PER_WORKING_DAY = 24 * 60 * 60


@lru_cache(maxsize=32)
def _days_off(year: int) -> frozenset[date]:
    """National holidays and cuti bersama of ``year`` (the region's own days are added by the caller)."""
    national = frozenset(holidays.country_holidays("ID", years=year).keys())
    return national | cuti_bersama(year)


def is_working_day(day: date, extra_holidays: frozenset[date] = frozenset()) -> bool:
    return day.weekday() < 5 and day not in _days_off(day.year) and day not in extra_holidays


@lru_cache(maxsize=512)
def _running_count(year: int, extra_holidays: frozenset[date]) -> tuple[int, ...]:
    """Item ``n``: how many of the first ``n`` days of ``year`` are working days (item 0 is 0)."""
    counts = [0]
    day = date(year, 1, 1)
    while day.year == year:
        counts.append(counts[-1] + is_working_day(day, extra_holidays))
        day += timedelta(days=1)
    return tuple(counts)


def count_working_days(first: date, last: date, extra_holidays: frozenset[date] = frozenset()) -> int:
    """How many days from ``first`` to ``last``, both included, are working days (0 when ``last`` is before
    ``first``)."""
    if last < first:
        return 0
    total = 0
    for year in range(first.year, last.year + 1):
        counts = _running_count(year, extra_holidays)
        lo = first.timetuple().tm_yday if year == first.year else 1
        hi = last.timetuple().tm_yday if year == last.year else len(counts) - 1
        total += counts[hi] - counts[lo - 1]
    return total


def _aware(moment: datetime, name: str) -> datetime:
    if moment.tzinfo is None:
        raise ValueError(f"{name} must be timezone-aware")
    return moment


def due_at(
    start: datetime, working_days: int, timezone: str, extra_holidays: frozenset[date] = frozenset()
) -> datetime:
    """The end (23:59:59 local) of the ``working_days``-th working day after ``start``, in UTC."""
    zone = ZoneInfo(timezone)
    day = _aware(start, "start").astimezone(zone).date()
    counted = 0
    while counted < working_days:
        day += timedelta(days=1)
        if is_working_day(day, extra_holidays):
            counted += 1
    return datetime.combine(day, time(23, 59, 59), tzinfo=zone).astimezone(UTC)


def working_seconds_between(
    start: datetime, end: datetime, timezone: str, extra_holidays: frozenset[date] = frozenset()
) -> float:
    """Seconds of working time from ``start`` to ``end`` (0.0 when ``end`` is not after ``start``)."""
    _aware(start, "start")
    _aware(end, "end")
    if end <= start:
        return 0.0
    zone = ZoneInfo(timezone)
    first, last = start.astimezone(zone).date(), end.astimezone(zone).date()
    if first == last:
        return (end - start).total_seconds() if is_working_day(first, extra_holidays) else 0.0
    seconds = 0.0
    if is_working_day(first, extra_holidays):
        seconds += (_midnight_after(first, zone) - start).total_seconds()
    if is_working_day(last, extra_holidays):
        seconds += (end - _midnight_after(last - timedelta(days=1), zone)).total_seconds()
    between = count_working_days(first + timedelta(days=1), last - timedelta(days=1), extra_holidays)
    return seconds + between * SECONDS_PER_WORKING_DAY


def _midnight_after(day: date, zone: ZoneInfo) -> datetime:
    """00:00 local at the end of ``day``, in UTC."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)


def progress(
    start: datetime,
    due: datetime,
    now: datetime,
    timezone: str,
    extra_holidays: frozenset[date] = frozenset(),
) -> float:
    """The fraction of the deadline's working time used at ``now``: 0.0 at ``start``, 1.0 at ``due``, more
    when overdue. ``due`` must lie after ``start`` in working time (as ``due_at`` gives it)."""
    total = working_seconds_between(start, due, timezone, extra_holidays)
    if total <= 0:
        raise ValueError(f"no working time between start {start.isoformat()} and due {due.isoformat()}")
    return working_seconds_between(start, now, timezone, extra_holidays) / total


def crossed_levels(progress: float) -> tuple[int, ...]:
    """The ``WARNING_LEVELS`` (percent) that a ``progress`` value has reached, lowest first."""
    return tuple(level for level in WARNING_LEVELS if progress >= level / 100)


def working_days_overdue(
    due: datetime, now: datetime, timezone: str, extra_holidays: frozenset[date] = frozenset()
) -> int:
    """Whole working days since ``due`` passed (0 before it and during the first working day after it)."""
    return int(working_seconds_between(due, now, timezone, extra_holidays) // SECONDS_PER_WORKING_DAY)
