"""The working-day calendar (weekends, national holidays, cuti bersama, region days), deadline progress in
working time, overdue working days and the escalation ladder."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import holidays
import pytest

from config.calendar import covered_years, cuti_bersama, load_cuti_bersama
from config.errors import ConfigError
from config.schema import EscalationStepDef
from db.deadlines import (
    count_working_days,
    crossed_levels,
    due_at,
    is_working_day,
    progress,
    working_days_overdue,
    working_seconds_between,
)
from db.escalation import EscalationStep, due_steps

ZONE = "Asia/Makassar"  # WITA, Kutai Timur
WITA = ZoneInfo(ZONE)
HOUR = 3600.0


def wita(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=WITA)


def local_due_date(start: datetime, working_days: int, extra: frozenset[date] = frozenset()) -> date:
    return due_at(start, working_days, ZONE, extra).astimezone(WITA).date()


# --- due dates ---------------------------------------------------------------------------------------------


def test_a_deadline_skips_the_weekend() -> None:
    assert local_due_date(wita(2026, 11, 20, 10), 1) == date(2026, 11, 23)  # Friday -> Monday


def test_a_deadline_skips_a_national_holiday() -> None:
    # 17 Aug 2026 (Independence Day) is a Monday
    assert local_due_date(wita(2026, 8, 14, 10), 1) == date(2026, 8, 18)


def test_a_deadline_skips_cuti_bersama_around_idul_fitri_2026() -> None:
    # Tue 17 Mar 2026: 18 cuti bersama (Nyepi), 19 Nyepi, 20 cuti bersama, 21-22 Idulfitri (weekend),
    # 23-24 cuti bersama; the three working days are 25, 26 and 27 March
    assert {date(2026, 3, 18), date(2026, 3, 20), date(2026, 3, 23), date(2026, 3, 24)} <= cuti_bersama(2026)
    assert local_due_date(wita(2026, 3, 17, 9), 3) == date(2026, 3, 27)


def test_the_amended_cuti_bersama_of_18_august_2025_counts() -> None:
    assert not is_working_day(date(2025, 8, 18))
    assert local_due_date(wita(2025, 8, 15, 9), 1) == date(2025, 8, 19)


def test_a_deadline_skips_the_region_extra_holidays() -> None:
    local_day = frozenset({date(2026, 10, 12)})  # a Monday the region closes its offices
    assert local_due_date(wita(2026, 10, 9, 10), 1) == date(2026, 10, 12)
    assert local_due_date(wita(2026, 10, 9, 10), 1, local_day) == date(2026, 10, 13)


def test_the_local_day_decides_not_the_utc_day() -> None:
    # both reports arrive on Monday 23 Nov 2026 in UTC; in WITA the second one is already Tuesday
    late_monday = wita(2026, 11, 23, 23, 30)
    early_tuesday = wita(2026, 11, 24, 0, 30)
    assert late_monday.astimezone(UTC).date() == early_tuesday.astimezone(UTC).date() == date(2026, 11, 23)
    assert local_due_date(late_monday, 3) == date(2026, 11, 26)
    assert local_due_date(early_tuesday, 3) == date(2026, 11, 27)
    assert due_at(late_monday, 3, ZONE).astimezone(WITA).time().isoformat() == "23:59:59"


# --- progress in working time ------------------------------------------------------------------------------


def test_progress_does_not_move_over_the_weekend() -> None:
    friday = wita(2026, 11, 20, 10)
    due = due_at(friday, 3, ZONE)  # Wednesday 25 Nov, 23:59:59 WITA
    at_friday_midnight = progress(friday, due, wita(2026, 11, 21), ZONE)
    assert progress(friday, due, friday, ZONE) == 0.0
    assert progress(friday, due, wita(2026, 11, 21, 15), ZONE) == at_friday_midnight
    assert progress(friday, due, wita(2026, 11, 22, 23, 59), ZONE) == at_friday_midnight
    assert progress(friday, due, wita(2026, 11, 23, 12), ZONE) > at_friday_midnight
    # 14 h of Friday out of 14 + 3 * 24 h (less the last second)
    assert at_friday_midnight == pytest.approx(14 / 86, rel=1e-4)
    assert progress(friday, due, due, ZONE) == 1.0
    assert progress(friday, due, wita(2026, 11, 26, 12), ZONE) > 1.0


def test_cuti_bersama_and_region_days_add_no_working_time() -> None:
    # 23 Dec 2026 (Wed) 12:00 to 28 Dec (Mon) 12:00: 24 cuti bersama, 25 Christmas, then the weekend
    start, end = wita(2026, 12, 23, 12), wita(2026, 12, 28, 12)
    assert working_seconds_between(start, end, ZONE) == 24 * HOUR
    assert working_seconds_between(start, end, ZONE, frozenset({date(2026, 12, 28)})) == 12 * HOUR
    assert working_seconds_between(end, start, ZONE) == 0.0


def _walked_working_seconds(start: datetime, end: datetime, extra: frozenset[date]) -> float:
    """The definition, day by day: each working day's share of [start, end]."""
    seconds, day = 0.0, start.astimezone(WITA).date()
    while day <= end.astimezone(WITA).date():
        if is_working_day(day, extra):
            opens = datetime.combine(day, time(0), tzinfo=WITA)
            closes = opens + timedelta(days=1)
            seconds += max(0.0, (min(end, closes) - max(start, opens)).total_seconds())
        day += timedelta(days=1)
    return seconds


def test_counting_without_walking_agrees_with_the_walk_across_years_and_region_days() -> None:
    pick = random.Random(20261129)
    extra = frozenset({date(2026, 3, 2), date(2026, 12, 31), date(2027, 1, 4)})
    for _ in range(400):
        start = wita(2025, 6, 1) + timedelta(seconds=pick.randrange(0, 900 * 86400))
        end = start + timedelta(seconds=pick.choice([0, 1, 3600, 86400 * pick.randrange(1, 500)]))
        end += timedelta(seconds=pick.randrange(0, 86400))
        for days_off in (frozenset(), extra):
            walked = _walked_working_seconds(start, end, days_off)
            assert working_seconds_between(start, end, ZONE, days_off) == walked, (start, end)
            first, last = start.astimezone(WITA).date(), end.astimezone(WITA).date()
            counted = sum(
                is_working_day(first + timedelta(n), days_off) for n in range((last - first).days + 1)
            )
            assert count_working_days(first, last, days_off) == counted
    assert count_working_days(date(2026, 12, 31), date(2026, 1, 1)) == 0


def test_progress_needs_working_time_between_start_and_due() -> None:
    saturday = wita(2026, 11, 21, 9)
    with pytest.raises(ValueError, match="no working time"):
        progress(saturday, saturday + timedelta(hours=5), saturday, ZONE)


def test_a_report_arriving_on_saturday_starts_using_time_on_monday() -> None:
    saturday = wita(2026, 11, 21, 9)
    due = due_at(saturday, 2, ZONE)  # Tuesday 24 Nov, 23:59:59
    assert progress(saturday, due, wita(2026, 11, 23, 0), ZONE) == 0.0
    assert progress(saturday, due, wita(2026, 11, 24, 0), ZONE) == pytest.approx(0.5, rel=1e-4)


@pytest.mark.parametrize(
    ("value", "levels"),
    [
        (0.0, ()),
        (0.49, ()),
        (0.5, (50,)),
        (0.8, (50, 75)),
        (0.9, (50, 75, 90)),
        (1.7, (50, 75, 90)),
    ],
)
def test_crossed_levels(value: float, levels: tuple[int, ...]) -> None:
    assert crossed_levels(value) == levels


def test_levels_are_crossed_in_working_time() -> None:
    sunday = wita(2026, 11, 22, 12)
    due = due_at(sunday, 4, ZONE)  # Monday to Thursday, due Thursday 26 Nov 23:59:59
    assert crossed_levels(progress(sunday, due, wita(2026, 11, 24, 23), ZONE)) == ()
    assert crossed_levels(progress(sunday, due, wita(2026, 11, 25, 0), ZONE)) == (50,)  # two days of four
    assert crossed_levels(progress(sunday, due, wita(2026, 11, 26, 0), ZONE)) == (50, 75)
    assert crossed_levels(progress(sunday, due, wita(2026, 11, 26, 22), ZONE)) == (50, 75, 90)


# --- overdue working days ----------------------------------------------------------------------------------


def test_working_days_overdue_counts_whole_working_days() -> None:
    due = due_at(wita(2026, 11, 20, 10), 3, ZONE)  # Wednesday 25 Nov, 23:59:59
    assert working_days_overdue(due, wita(2026, 11, 24, 12), ZONE) == 0  # not due yet
    assert working_days_overdue(due, wita(2026, 11, 26, 12), ZONE) == 0  # half a day late
    assert working_days_overdue(due, wita(2026, 11, 27, 0, 0, 1), ZONE) == 1  # Thursday has passed
    assert working_days_overdue(due, wita(2026, 11, 30, 12), ZONE) == 2  # Thursday, Friday; not the weekend


def test_holidays_and_cuti_bersama_are_not_overdue_days() -> None:
    due = wita(2026, 12, 23, 23, 59, 59)
    assert working_days_overdue(due, wita(2026, 12, 28, 12), ZONE) == 0  # 24 cuti, 25 Natal, weekend
    assert working_days_overdue(due, wita(2026, 12, 29, 12), ZONE) == 1


# --- the cuti bersama file ---------------------------------------------------------------------------------


def test_the_shipped_file_covers_2025_and_2026() -> None:
    calendar = load_cuti_bersama()
    assert {2025, 2026} <= covered_years() == calendar.years
    assert len(cuti_bersama(2025)) == 11  # ten by the SKB of October 2024, 18 August added in August 2025
    assert len(cuti_bersama(2026)) == 8
    assert calendar.occasions[date(2026, 12, 24)] == "Kelahiran Yesus Kristus"
    assert cuti_bersama(1999) == frozenset()


@pytest.mark.parametrize("year", [2025, 2026])
def test_the_shipped_file_agrees_with_the_holidays_package(year: int) -> None:
    """A second, independent source: a disagreement means one of the two needs a look."""
    government = holidays.country_holidays("ID", years=year, categories=(holidays.GOVERNMENT,))
    assert cuti_bersama(year) == frozenset(government.keys())


VALID = """\
decrees:
  skb-2026:
    year: 2026
    signed: 2025-09-19
    title: SKB 2026
days:
  - {date: 2026-02-16, occasion: Imlek, decrees: [skb-2026]}
"""


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        (VALID.replace("[skb-2026]}", "[skb-2062]}"), 7, "unknown decree 'skb-2062'"),
        (VALID.replace("2026-02-16", "2027-02-16"), 7, "not in 2026"),
        (VALID.replace("2026-02-16", "2026-02-14"), 7, "is a Saturday"),
        (VALID.replace("2026-02-16", "2026-02-31"), 7, "reads as a date but is not one"),
        (VALID.replace("signed: 2025-09-19", "signed: yesterday"), 4, "not a date"),
        (VALID.replace("    title: SKB 2026\n", ""), 3, "Field required"),
        (VALID + "  - {date: 2026-02-16, occasion: Imlek, decrees: [skb-2026]}\n", 8, "listed twice"),
        (VALID.replace("occasion: Imlek", "occasion: [Imlek"), 7, "invalid YAML"),
    ],
)
def test_a_malformed_file_names_the_line(tmp_path: Path, text: str, line: int, message: str) -> None:
    path = tmp_path / "cuti_bersama.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_cuti_bersama(path)
    assert (caught.value.path, caught.value.line) == (path, line)
    assert message in caught.value.message


def test_the_valid_example_loads(tmp_path: Path) -> None:
    path = tmp_path / "cuti_bersama.yaml"
    path.write_text(VALID, encoding="utf-8")
    calendar = load_cuti_bersama(path)
    assert calendar.dates(2026) == {date(2026, 2, 16)}
    assert calendar.years == {2026}


# --- the escalation ladder ---------------------------------------------------------------------------------

LADDER = (
    EscalationStep(0, "liaison"),
    EscalationStep(3, "kepala_dinas"),
    EscalationStep(5, "sekda"),
)


@pytest.mark.parametrize(
    ("overdue", "steps"), [(0, [0]), (2, [0]), (3, [0, 1]), (4, [0, 1]), (5, [0, 1, 2]), (30, [0, 1, 2])]
)
def test_escalation_steps_come_due_by_working_days_overdue(overdue: int, steps: list[int]) -> None:
    assert due_steps(LADDER, overdue) == steps


def test_each_step_fires_once_when_the_caller_remembers_what_it_sent() -> None:
    due = due_at(wita(2026, 11, 20, 10), 3, ZONE)  # Wednesday 25 Nov, 23:59:59
    notified: set[int] = set()
    sent: list[str] = []
    for hours in range(0, 9 * 24, 6):  # a check every 6 hours from Tuesday 24 Nov to Wednesday 2 Dec
        now = wita(2026, 11, 24) + timedelta(hours=hours)
        if now <= due:
            continue
        for index in due_steps(LADDER, working_days_overdue(due, now, ZONE)):
            if index not in notified:
                notified.add(index)
                sent.append(f"{now:%a %H}:{LADDER[index].notify}")
    # at the first check past due; then 3 working days overdue (Thursday, Friday, Monday) on Tuesday 00:00
    assert sent == ["Thu 00:liaison", "Tue 00:kepala_dinas"]


def test_a_stored_step_reads_back_and_a_region_ladder_works_as_is() -> None:
    row: dict[str, Any] = {
        "after_working_days": 3,
        "notify": "kepala_dinas",
    }  # as db.sync stores EscalationStepDef
    assert EscalationStep(**row) == LADDER[1]
    region_ladder = [EscalationStepDef(after_working_days=1, notify="liaison")]
    assert due_steps(region_ladder, 1) == [0]
    assert due_steps(region_ladder, 0) == []


@pytest.mark.parametrize(("after", "notify"), [(-1, "liaison"), (2, " ")])
def test_a_step_must_not_come_before_the_due_time_and_names_someone(after: int, notify: str) -> None:
    with pytest.raises(ValueError):
        EscalationStep(after, notify)
