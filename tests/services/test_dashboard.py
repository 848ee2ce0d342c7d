"""The dashboard's figures on a region's reports whose every moment is set by hand: the funnel with its drops
and times, deadline compliance per OPD beside the quarter before, counts by function and week, the oldest
open and most overdue reports, and the periods a form may ask for."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

import services.dashboard
from db.models import Region, Report
from services.dashboard import (
    InvalidPeriod,
    Narrowing,
    Period,
    compare_regions,
    dashboard,
    period_asked,
    quarter,
    recent_dashboard,
)

WITA = ZoneInfo("Asia/Makassar")
NOW = datetime(2026, 11, 29, 12, 0, tzinfo=WITA).astimezone(UTC)  # a Sunday


def at(month: int, day: int, hour: int = 9, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, 0, tzinfo=WITA).astimezone(UTC)


def _set(desk, report_id: int, **moments: object) -> None:  # type: ignore[no-untyped-def]
    with desk.runtime.sessions() as session:
        report = session.get_one(Report, report_id)
        for name, value in moments.items():
            setattr(report, name, value)
        session.commit()


@pytest.fixture
def region(desk) -> tuple[int, dict[str, int]]:  # type: ignore[no-untyped-def]
    made = {
        "answered in time": desk.report(title="Jalan rusak A"),
        "answered late": desk.report(title="Jalan rusak B"),
        "rejected": desk.report(title="Iklan", function="SAMPAH", agency="DLH"),
        "overdue": desk.report(title="Sampah C", function="SAMPAH", agency="DLH"),
        "last quarter": desk.report(title="Jalan rusak D"),
    }
    _set(desk, made["answered in time"], status="closed", queued_at=at(10, 5), approved_at=at(10, 5, 15),
         filed_at=at(10, 5, 16), forwarded_at=at(10, 6), followup_due_at=at(10, 13, 23),
         followed_up_at=at(10, 8, 10), closed_at=at(10, 20))  # fmt: skip
    _set(desk, made["answered late"], status="followed_up", queued_at=at(10, 10), approved_at=at(10, 10, 11),
         filed_at=at(10, 10, 12), forwarded_at=at(10, 12), followup_due_at=at(10, 19, 23),
         followed_up_at=at(10, 23))  # fmt: skip
    _set(desk, made["rejected"], status="rejected", queued_at=at(11, 1), status_changed_at=at(11, 1, 12))
    _set(desk, made["overdue"], status="forwarded", queued_at=at(11, 20), approved_at=at(11, 20, 10),
         filed_at=at(11, 20, 11), forwarded_at=at(11, 20, 12), followup_due_at=at(11, 25, 23))  # fmt: skip
    _set(desk, made["last quarter"], status="closed", queued_at=at(9, 15), forwarded_at=at(9, 16),
         followup_due_at=at(9, 23, 23), followed_up_at=at(9, 17), closed_at=at(9, 30))  # fmt: skip
    with desk.runtime.sessions() as session:
        region_id = session.query(Region.id).filter(Region.code == "64.08").scalar()
    return region_id, made


def test_the_funnel_counts_each_step_with_its_drop_and_median_time(desk, region) -> None:  # type: ignore[no-untyped-def]
    region_id, _ = region
    figures = dashboard(desk.runtime, region_id, quarter(2026, 4), now=NOW)
    assert figures.period.label == "Triwulan 4 2026" and figures.previous.label == "Triwulan 3 2026"
    assert [(s.name, s.count) for s in figures.funnel] == [
        ("Terdeteksi", 4),
        ("Ditinjau operator", 4),
        ("Masuk LAPOR!", 3),
        ("Diteruskan ke OPD", 3),
        ("Ditindaklanjuti OPD", 2),
        ("Selesai", 1),
    ]
    reviewed = figures.funnel[1]
    assert reviewed.share == 1.0 and reviewed.median_hours == 2.5  # 6 h, 2 h, 3 h (rejected), 1 h
    assert figures.funnel[2].share == 0.75
    assert figures.funnel[0].link == "/antrean?status=semua&dari=2026-10-01&sampai=2026-12-31"
    assert figures.funnel[4].link.startswith("/antrean?status=followed_up&")


def test_compliance_per_opd_beside_the_quarter_before(desk, region) -> None:  # type: ignore[no-untyped-def]
    region_id, made = region
    figures = dashboard(desk.runtime, region_id, quarter(2026, 4), now=NOW)
    shown = {c.code: c for c in figures.compliance}
    pupr, dlh = shown["PUPR"], shown["DLH"]
    assert [c.code for c in figures.compliance] == ["PUPR", "DLH"]  # the better share first
    assert pupr.agency == "Dinas PUPR"
    assert (pupr.forwarded, pupr.decided, pupr.in_time, pupr.share) == (2, 2, 1, 0.5)
    # working days to the answer: 7-8 Oct is 2; 13-23 Oct is 9 (weekends out)
    assert (pupr.median_days, pupr.p90_days) == (5.5, 9)
    assert pupr.previous_share == 1.0 and pupr.overdue_now == 0
    assert (dlh.forwarded, dlh.decided, dlh.in_time, dlh.share, dlh.overdue_now) == (1, 1, 0, 0.0, 1)
    assert dlh.link == "/antrean?status=semua&opd=DLH&dari=2026-10-01&sampai=2026-12-31"
    # due Wednesday 25 Nov: Thursday and Friday have passed by Sunday
    assert [(x.id, x.days) for x in figures.most_overdue] == [(made["overdue"], 2)]
    assert [x.id for x in figures.oldest_open] == [made["answered late"], made["overdue"]]


def test_a_province_sees_each_region_as_its_own_dashboard_counts_it(desk, region) -> None:  # type: ignore[no-untyped-def]
    region_id, _ = region
    rows = compare_regions(
        desk.runtime, [("64.08", "Kutai Timur"), ("63.72", "Banjarbaru")], quarter(2026, 4), NOW
    )
    assert [r.code for r in rows] == ["64.08", "63.72"]  # a region with nothing decided comes last
    kutim, banjarbaru = rows
    figures = dashboard(desk.runtime, region_id, quarter(2026, 4), now=NOW)
    decided = sum(c.decided for c in figures.compliance)
    assert kutim.total == figures.total == 4
    assert kutim.forwarded == sum(c.forwarded for c in figures.compliance) == 3
    assert kutim.share_in_time == sum(c.in_time for c in figures.compliance) / decided == 1 / 3
    assert kutim.median_of_opds == 5.5  # PUPR's median; DLH has no answer yet
    assert kutim.overdue_now == sum(c.overdue_now for c in figures.compliance) == 1
    assert (banjarbaru.total, banjarbaru.forwarded, banjarbaru.share_in_time) == (0, 0, None)


def test_counts_by_function_and_week(desk, region) -> None:  # type: ignore[no-untyped-def]
    region_id, _ = region
    figures = dashboard(desk.runtime, region_id, quarter(2026, 4), now=NOW)
    assert sorted((c.label, c.count, c.previous) for c in figures.by_function) == [
        ("Jalan dan jembatan", 2, 1),
        ("Sampah dan kebersihan", 2, 0),
    ]
    assert figures.by_function[0].link.startswith("/antrean?status=semua&fungsi=")
    assert len(figures.weekly) == 14 and sum(c.count for c in figures.weekly) == 4
    assert figures.weekly[0].label == "28/09" and figures.weekly[0].link.endswith(
        "dari=2026-10-01&sampai=2026-10-04"
    )


def test_the_periods_a_form_may_ask_for() -> None:
    today = date(2026, 11, 29)
    assert (
        period_asked("", "", "", today) == quarter(2026, 4) == Period(date(2026, 10, 1), date(2026, 12, 31))
    )
    assert period_asked("2026q1", "", "", today).before() == quarter(2025, 4)
    assert period_asked("", "2026-11-01", "2026-11-10", today).before() == Period(
        date(2026, 10, 22), date(2026, 10, 31)
    )
    for named, first, last in (("2026Q5", "", ""), ("", "2026-11-10", "2026-11-01"), ("", "2026-11-01", "")):
        with pytest.raises(InvalidPeriod):
            period_asked(named, first, last, today)


def test_the_pages_figures_are_counted_at_most_once_a_minute(desk, region, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    region_id, _ = region
    first = recent_dashboard(desk.runtime, region_id, quarter(2026, 4))
    desk.report(title="Jalan rusak lagi")  # today, in the current quarter
    assert recent_dashboard(desk.runtime, region_id, quarter(2026, 4)) is first
    monkeypatch.setattr(services.dashboard, "MAX_AGE_SECONDS", 0)
    assert recent_dashboard(desk.runtime, region_id, quarter(2026, 4)) is first  # shown while recounted
    for _ in range(100):  # the recount runs in a thread of its own
        again = recent_dashboard(desk.runtime, region_id, quarter(2026, 4))
        if again is not first:
            break
        time.sleep(0.05)
    assert again.total == first.total + 1 and again.made_at


def test_watchlist_hits_a_day_with_spikes_marked(desk) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from db.models import Detection

    report_id = desk.report(title="Banjir di Sangatta", mentions=21)
    days = [*range(1, 15), 15, 15, 16, 16, 16, 16, 16]  # one a day for a fortnight, then 2, then 5
    with desk.runtime.sessions() as session:
        issue_id = session.get_one(Report, report_id).issue_id
        found = session.scalars(
            select(Detection).where(Detection.issue_id == issue_id).order_by(Detection.id)
        )
        for detection, day in zip(found, days, strict=True):
            detection.watchlists = ["banjir-sangatta"]
            detection.created_at = at(11, day, 10)
        region_id = session.query(Region.id).filter(Region.code == "64.08").scalar()
        session.commit()
    trend = dashboard(desk.runtime, region_id, quarter(2026, 4), now=NOW).watchlists
    assert [(t.name, t.total) for t in trend] == [("banjir-sangatta", 21)]
    by_day = {label: (n, spike) for label, n, spike in trend[0].days}
    assert by_day["14/11"] == (1, False) and by_day["15/11"] == (2, False) and by_day["16/11"] == (5, True)
    assert trend[0].spikes == ["16/11 (5)"]
    assert trend[0].link.startswith("/antrean?status=semua&watchlist=banjir-sangatta&dari=2026-10-01")


def test_the_figures_narrow_to_a_function_an_agency_or_a_source(desk, region) -> None:  # type: ignore[no-untyped-def]
    region_id, made = region
    rubbish = dashboard(
        desk.runtime, region_id, quarter(2026, 4), now=NOW, narrowing=Narrowing(function="SAMPAH")
    )
    assert rubbish.total == 2 and [c.code for c in rubbish.compliance] == ["DLH"]
    assert rubbish.funnel[0].link == "/antrean?status=semua&dari=2026-10-01&sampai=2026-12-31&fungsi=SAMPAH"
    assert [x.id for x in rubbish.most_overdue] == [made["overdue"]]
    pupr = dashboard(desk.runtime, region_id, quarter(2026, 4), now=NOW, narrowing=Narrowing(agency="PUPR"))
    assert pupr.total == 2 and all("opd=PUPR" in c.link for c in pupr.by_function)
    nowhere = dashboard(
        desk.runtime, region_id, quarter(2026, 4), now=NOW, narrowing=Narrowing(source="tidak-ada")
    )
    assert nowhere.total == 0 and nowhere.most_overdue == []
