"""The one function that computes a due time: working days in the region's time zone.

Working days skip Saturdays, Sundays, Indonesian national holidays (the ``holidays`` package) and the
region's ``extra_holidays`` (cuti bersama, local days). A deadline ends at the close of its last working
day, local time.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays


@lru_cache(maxsize=32)
def _national_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("ID", years=year).keys())


def is_working_day(day: date, extra_holidays: frozenset[date] = frozenset()) -> bool:
    return day.weekday() < 5 and day not in _national_holidays(day.year) and day not in extra_holidays


def due_at(
    start: datetime, working_days: int, timezone: str, extra_holidays: frozenset[date] = frozenset()
) -> datetime:
    """The end (23:59:59 local) of the ``working_days``-th working day after ``start``, in UTC."""
    if start.tzinfo is None:
        raise ValueError("start must be timezone-aware")
    zone = ZoneInfo(timezone)
    day = start.astimezone(zone).date()
    counted = 0
    while counted < working_days:
        day += timedelta(days=1)
        if is_working_day(day, extra_holidays):
            counted += 1
    return datetime.combine(day, time(23, 59, 59), tzinfo=zone).astimezone(UTC)
