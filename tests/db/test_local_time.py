"""Times an operator reads are shown on the region's wall clock with its zone's name."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from db.deadlines import due_at
from db.local_time import local_display, local_iso

DEADLINE = datetime(2026, 12, 2, 15, 59, 59, tzinfo=UTC)  # 23:59:59 WITA


@pytest.mark.parametrize(
    ("timezone", "shown"),
    [
        ("Asia/Makassar", "2026-12-02 23:59 WITA"),
        ("Asia/Jakarta", "2026-12-02 22:59 WIB"),
        ("Asia/Pontianak", "2026-12-02 22:59 WIB"),
        ("Asia/Jayapura", "2026-12-03 00:59 WIT"),
        ("Asia/Kolkata", "2026-12-02 21:29 UTC+05:30"),
        ("America/Sao_Paulo", "2026-12-02 12:59 UTC-03:00"),
        ("UTC", "2026-12-02 15:59 UTC"),
    ],
)
def test_local_display_names_the_zone_or_its_offset(timezone: str, shown: str) -> None:
    assert local_display(DEADLINE, timezone) == shown


def test_local_iso_carries_the_region_offset_for_the_same_instant() -> None:
    text = local_iso(DEADLINE, "Asia/Makassar")
    assert text == "2026-12-02T23:59:59+08:00"
    assert datetime.fromisoformat(text) == DEADLINE


def test_a_deadline_reads_as_the_end_of_its_local_day() -> None:
    due = due_at(datetime(2026, 11, 26, 2, 0, tzinfo=UTC), 4, "Asia/Makassar")
    assert local_display(due, "Asia/Makassar") == "2026-12-02 23:59 WITA"
    assert due.isoformat() == "2026-12-02T15:59:59+00:00"


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        local_display(datetime(2026, 12, 2, 15, 59), "Asia/Makassar")
