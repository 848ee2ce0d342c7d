"""Times an operator reads, in the region's local time: stored times are UTC, an operator in Kutai Timur
thinks in WITA. One place turns a stored time into the region's wall clock, for the console and for JSON.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

# Indonesia's three official zones by their everyday names (Pontianak is WIB like Jakarta)
ZONE_NAMES = {
    "Asia/Jakarta": "WIB",
    "Asia/Pontianak": "WIB",
    "Asia/Makassar": "WITA",
    "Asia/Jayapura": "WIT",
}


def in_zone(moment: datetime, timezone: str) -> datetime:
    """``moment`` on the wall clock of ``timezone`` (an IANA name such as Asia/Makassar)."""
    if moment.tzinfo is None:
        raise ValueError("moment must be timezone-aware")
    return moment.astimezone(ZoneInfo(timezone))


def zone_label(local: datetime, timezone: str) -> str:
    """WIB, WITA or WIT for Indonesia's zones; otherwise the offset from UTC (``UTC+05:30``, ``UTC``)."""
    name = ZONE_NAMES.get(timezone)
    if name:
        return name
    offset = local.utcoffset()
    if not offset:
        return "UTC"
    minutes = int(offset.total_seconds()) // 60
    sign = "+" if minutes > 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{rest:02d}"


def local_display(moment: datetime, timezone: str) -> str:
    """``2026-12-02 23:59 WITA``: minutes only (a deadline at 23:59:59 reads 23:59, not the next day)."""
    local = in_zone(moment, timezone)
    return f"{local:%Y-%m-%d %H:%M} {zone_label(local, timezone)}"


def local_iso(moment: datetime, timezone: str) -> str:
    """ISO 8601 with the region's offset, e.g. ``2026-12-02T23:59:59+08:00`` (the same instant as UTC)."""
    return in_zone(moment, timezone).isoformat(timespec="seconds")
