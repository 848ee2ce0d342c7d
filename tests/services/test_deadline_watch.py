"""The deadline job on SQLite and PostgreSQL, its clock driven through ``check_deadlines(now=...)``: warnings
at 50/75/90 % of the working time, the escalation ladder of the region YAML, the manager for the admin's own
deadline, auto-close, archiving, the per-OPD list and ``pantau deadlines``.

Expected moments are worked out by hand in the comments (Kutai Timur is WITA, UTC+8; a working day counts
from 00:00 to 24:00 local; a deadline of N working days ends at 23:59:59 of the N-th working day after the
day the clock started), so that a calendar mistake in the code cannot hide behind the same mistake here.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

import cli
from db.models import DeadlineAlert, Notification, Report, Role
from services import actions
from services.actions import Actor
from services.deadline_watch import ACTOR, check_deadlines
from services.reports import deadline_rows

WITA = ZoneInfo("Asia/Makassar")
LIAISON = "penghubung.pupr@kutaitimur.example"
KEPALA = "kepala.pupr@kutaitimur.example"
SEKDA = "sekda@kutaitimur.example"
MANAGER = "pengaduan@kutaitimur.example"
PUPR = Actor("user:penghubung-pupr", Role.OPD, "PUPR")


def wita(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=WITA)


def _sent(desk, kind: str) -> list[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    """(rung, channel, recipient) of every notification of ``kind``, oldest first."""
    return [(n.rung, n.channel, n.recipient) for n in desk.notifications() if n.kind == kind]


def _subjects(desk, kind: str) -> list[str]:  # type: ignore[no-untyped-def]
    return [n.subject for n in desk.notifications() if n.kind == kind]


def test_warnings_at_50_75_90_percent_each_reach_the_liaison_once(desk, forward_at) -> None:  # type: ignore[no-untyped-def]
    # forwarded Monday 2 Nov 2026 00:00 WITA: 5 working days end Monday 9 Nov 23:59:59 (144 h of working time,
    # less a second); 50 % after 72 h = Thu 5 Nov 00:00, 75 % after 108 h = Fri 6 Nov 12:00, 90 % after
    # 129.6 h = Mon 9 Nov 09:36
    report_id = forward_at(wita(2026, 11, 2))
    assert desk.get(report_id).followup_due_at == wita(2026, 11, 9, 23, 59, 59)
    timeline = [
        (wita(2026, 11, 4, 23), 0),
        (wita(2026, 11, 5, 1), 1),  # 50 %
        (wita(2026, 11, 5, 1), 0),  # the same moment again
        (wita(2026, 11, 6, 11), 0),
        (wita(2026, 11, 6, 13), 1),  # 75 %
        (wita(2026, 11, 9, 9), 0),
        (wita(2026, 11, 9, 10), 1),  # 90 %
        (wita(2026, 11, 9, 10), 0),
        (wita(2026, 11, 9, 23), 0),
    ]
    raised = [(check_deadlines(desk.runtime, now=moment).warnings, expected) for moment, expected in timeline]

    assert [got for got, _ in raised] == [expected for _, expected in raised]
    assert _sent(desk, "warning") == [("liaison", "email", LIAISON)] * 3
    subjects = _subjects(desk, "warning")
    for subject, percent in zip(subjects, (50, 75, 90), strict=True):
        assert f"Pengingat tenggat laporan #{report_id} ({percent}% waktu berjalan)" in subject
    with desk.runtime.sessions() as session:
        levels = session.scalars(
            select(DeadlineAlert.level).where(DeadlineAlert.report_id == report_id).order_by(DeadlineAlert.id)
        ).all()
    assert levels == ["50@202611091559", "75@202611091559", "90@202611091559"]  # due 15:59 UTC


@pytest.mark.parametrize(
    ("forwarded", "due", "quiet", "warned"),
    [
        pytest.param(
            # Thu 09:00: Fri 6, Mon 9 .. Thu 12 are the 5 days; 135 h of working time, 50 % = 67.5 h: Thu
            # 15 h, Fri 24 h, (weekend 0), Mon 24 h, Tue 4.5 h -> Tue 10 Nov 04:30 (calendar time: Mon 04:30)
            wita(2026, 11, 5, 9),
            wita(2026, 11, 12, 23, 59, 59),
            wita(2026, 11, 10, 4),
            wita(2026, 11, 10, 5),
            id="akhir-pekan",
        ),
        pytest.param(
            # Fri 14 Aug 00:00; Mon 17 Aug is Independence Day: Tue 18 .. Mon 24 are the 5 days; 144 h, 50 % =
            # 72 h: Fri, Tue, Wed -> Wed 19 Aug 24:00 (without the holiday: Tue 18 Aug 24:00)
            wita(2026, 8, 14),
            wita(2026, 8, 24, 23, 59, 59),
            wita(2026, 8, 19, 22),
            wita(2026, 8, 20, 2),
            id="hari-kemerdekaan",
        ),
        pytest.param(
            # Thu 19 Mar 10:00 is Nyepi; 20, 23, 24 Mar are cuti bersama of Idulfitri, 21-22 the weekend:
            # Wed 25 .. Tue 31 Mar are the 5 days; 120 h, 50 % = 60 h -> Fri 27 Mar 12:00 (without cuti
            # bersama the deadline would be Thu 26 Mar)
            wita(2026, 3, 19, 10),
            wita(2026, 3, 31, 23, 59, 59),
            wita(2026, 3, 27, 11),
            wita(2026, 3, 27, 13),
            id="cuti-bersama-idulfitri",
        ),
        pytest.param(
            # Wed 23 Dec 00:00: 24 Dec cuti bersama, 25 Dec Christmas, weekend, 28-31 Dec, 1 Jan New Year,
            # weekend: Mon 4 Jan 2027 is the 5th day; 144 h, 50 % = 72 h: Wed 23, Mon 28, Tue 29 -> 24:00
            wita(2026, 12, 23),
            wita(2027, 1, 4, 23, 59, 59),
            wita(2026, 12, 29, 22),
            wita(2026, 12, 30, 2),
            id="natal-dan-tahun-baru",
        ),
    ],
)
def test_days_off_neither_shorten_the_deadline_nor_use_its_time(  # type: ignore[no-untyped-def]
    desk, forward_at, forwarded: datetime, due: datetime, quiet: datetime, warned: datetime
) -> None:
    report_id = forward_at(forwarded)

    assert desk.get(report_id).followup_due_at == due
    assert check_deadlines(desk.runtime, now=quiet).warnings == 0
    assert check_deadlines(desk.runtime, now=warned).warnings == 1
    [subject] = _subjects(desk, "warning")
    assert "(50% waktu berjalan)" in subject


def test_the_escalation_ladder_reaches_each_rung_once_after_its_working_days(desk, forward_at) -> None:  # type: ignore[no-untyped-def]
    # due Mon 9 Nov 23:59:59 WITA; whole working days overdue: 1 at Wed 11 00:00, 2 at Thu 12 00:00, 4 at
    # Sat 14 00:00 (the weekend adds none), 5 at Tue 17 00:00
    report_id = forward_at(wita(2026, 11, 2))
    timeline = [
        (wita(2026, 11, 9, 23), 0),
        (wita(2026, 11, 10, 1), 1),  # due passed: step 0, the liaison
        (wita(2026, 11, 10, 1), 0),
        (wita(2026, 11, 11, 23), 0),
        (wita(2026, 11, 12, 1), 1),  # 2 working days: the kepala dinas
        (wita(2026, 11, 16, 23), 0),  # 4 working days, though 7 calendar days
        (wita(2026, 11, 17, 1), 1),  # 5 working days: the sekda
        (wita(2026, 11, 20, 12), 0),
    ]
    escalations = [check_deadlines(desk.runtime, now=moment).escalations for moment, _ in timeline]

    assert escalations == [expected for _, expected in timeline]
    assert _sent(desk, "escalation") == [
        ("liaison", "email", LIAISON),
        ("kepala_dinas", "email", KEPALA),
        ("sekda", "email", SEKDA),
    ]
    liaison, kepala, sekda = _subjects(desk, "escalation")
    assert f"Eskalasi (tahap 1, Pejabat Penghubung Dinas PUPR) laporan #{report_id}" in liaison
    assert "terlambat kurang dari 1 hari kerja" in liaison
    assert (
        "(tahap 2, Kepala Dinas Pekerjaan Umum dan Penataan Ruang)" in kepala
        and "terlambat 2 hari kerja" in kepala
    )
    assert "(tahap 3, Sekretaris Daerah)" in sekda and "terlambat 5 hari kerja" in sekda
    # looked at first an hour before the due time: one reminder (90 %, not 50 and 75 as well); after it, none
    assert _sent(desk, "warning") == [("liaison", "email", LIAISON)]


def test_an_overdue_verification_goes_to_the_regions_manager(desk) -> None:  # type: ignore[no-untyped-def]
    report_id = desk.report()
    due = desk.get(report_id).verification_due_at

    before = check_deadlines(desk.runtime, now=due - timedelta(seconds=1))
    after = check_deadlines(desk.runtime, now=due + timedelta(hours=1))
    again = check_deadlines(desk.runtime, now=due + timedelta(days=3))

    assert before.escalations == 0 and after.escalations == 1 and again.escalations == 0
    assert _sent(desk, "escalation") == [("manager", "email", MANAGER)]
    [subject] = _subjects(desk, "escalation")
    assert "batas verifikasi dan disposisi, Pengelola pengaduan Diskominfo" in subject
    # the first look came a second before the due time: one reminder, the latest level, not three at once
    assert before.warnings == 1 and _sent(desk, "warning") == [("manager", "email", MANAGER)]
    [reminder] = _subjects(desk, "warning")
    assert "(90% waktu berjalan)" in reminder
    # worded for the admin's own deadline, not as an OPD's follow-up
    with desk.runtime.sessions() as session:
        bodies = [
            n.body_text
            for n in session.scalars(select(Notification).where(Notification.report_id == report_id))
        ]
    assert all("Pengelola pengaduan Diskominfo" in body for body in bodies)
    assert all("belum diverifikasi dan didisposisikan" in body for body in bodies)
    assert not any("Pejabat Penghubung" in body or "belum ditindaklanjuti" in body for body in bodies)


def test_an_answered_report_closes_itself_after_the_autoclose_days(desk, forward_at) -> None:  # type: ignore[no-untyped-def]
    report_id = forward_at(wita(2026, 11, 2))
    # answered Wed 4 Nov: 10 working days are 5, 6, 9 .. 13, 16, 17, 18 Nov -> Wed 18 Nov 23:59:59 WITA
    actions.answer(
        desk.runtime, report_id, "Lubang sudah ditambal tim UPT jalan.", actor=PUPR, now=wita(2026, 11, 4, 10)
    )
    assert desk.get(report_id).autoclose_due_at == wita(2026, 11, 18, 23, 59, 59)

    early = check_deadlines(desk.runtime, now=wita(2026, 11, 18, 23))
    closing = check_deadlines(desk.runtime, now=wita(2026, 11, 19, 0, 30))
    again = check_deadlines(desk.runtime, now=wita(2026, 11, 20))

    assert (early.auto_closed, closing.auto_closed, again.auto_closed) == (0, 1, 0)
    report = desk.get(report_id)
    assert report.status == "closed" and report.closed_at == wita(2026, 11, 19, 0, 30)
    closed = desk.audit(report_id)[-1]
    assert (closed.action, closed.actor) == ("status:closed", ACTOR)
    assert closed.reason == "otomatis: tidak ada tanggapan pelapor dalam 10 hari kerja setelah tindak lanjut"
    assert _sent(desk, "escalation") == []  # answered within its deadline: nothing to escalate


def test_a_report_on_hold_too_long_is_archived(desk, operator) -> None:  # type: ignore[no-untyped-def]
    report_id = desk.report()
    actions.postpone(desk.runtime, report_id, actor=operator, reason="perlu foto lokasi")
    postponed_at = desk.get(report_id).postponed_at  # the action stamps the real time: the clock starts there

    early = check_deadlines(desk.runtime, now=postponed_at + timedelta(days=30, minutes=-1))
    late = check_deadlines(desk.runtime, now=postponed_at + timedelta(days=30, minutes=1))

    assert (early.archived, late.archived) == (0, 1)
    report = desk.get(report_id)
    assert report.status == "archived"
    archived = desk.audit(report_id)[-1]
    assert (archived.action, archived.actor) == ("status:archived", ACTOR)
    assert archived.reason == "otomatis: ditunda lebih dari 30 hari tanpa kelengkapan"


def test_deadline_rows_list_due_soon_and_overdue_per_opd(desk, forward_at) -> None:  # type: ignore[no-untyped-def]
    overdue = forward_at(wita(2026, 11, 2))  # due Mon 9 Nov
    soon = forward_at(wita(2026, 11, 12))  # due Thu 19 Nov; at Wed 18 07:00, 103 h of 144 h used: 72 %
    forward_at(wita(2026, 11, 17, 15))  # 9 h of 129 h used: not listed
    perkim = forward_at(wita(2026, 11, 2), agency="PERKIM", function="PJU", title="Lampu jalan mati")
    answered = forward_at(wita(2026, 11, 2))
    actions.answer(
        desk.runtime, answered, "Sudah ditindaklanjuti petugas.", actor=PUPR, now=wita(2026, 11, 3)
    )

    rows = deadline_rows(desk.runtime, now=wita(2026, 11, 18, 7))

    listed = [
        (r["opd"], r["laporan"], r["tahap"], r["keadaan"], r["batas_waktu"], r["terpakai"]) for r in rows
    ]
    assert listed == [
        ("Dinas Perkim", perkim, "tindak lanjut", "lewat tenggat", "2026-11-09 23:59 WITA", "205%"),
        ("Dinas PUPR", overdue, "tindak lanjut", "lewat tenggat", "2026-11-09 23:59 WITA", "205%"),
        ("Dinas PUPR", soon, "tindak lanjut", "mendekati tenggat", "2026-11-19 23:59 WITA", "72%"),
    ]
    assert deadline_rows(desk.runtime, region_code="63.72", now=wita(2026, 11, 18, 7)) == []


def test_pantau_deadlines_checks_and_lists_with_the_delivery_problems(desk, forward_at) -> None:  # type: ignore[no-untyped-def]
    now = datetime.now(UTC)
    # 25 calendar days ago: at least 12 working days overdue (the whole ladder), the 60-day settlement < 50 %
    late = forward_at(now - timedelta(days=25))
    stranded = forward_at(now - timedelta(days=25), agency="BPBD", function="BENCANA", title="Banjir")
    runner = CliRunner()

    checked = runner.invoke(cli.app, ["deadlines", "--check"])
    listed = runner.invoke(cli.app, ["deadlines", "--json", "--region", "64.08"])

    assert checked.exit_code == 0, checked.output
    assert "Pemeriksaan tenggat: peringatan 0, eskalasi 6," in checked.output  # 3 rungs x 2 reports
    assert listed.exit_code == 0, listed.output
    payload = json.loads(listed.stdout)
    assert [(r["opd"], r["laporan"], r["keadaan"]) for r in payload["tenggat"]] == [
        ("BPBD", stranded, "lewat tenggat"),
        ("Dinas PUPR", late, "lewat tenggat"),
    ]
    problems = {
        (p["laporan"], p["jenis"], p["saluran"], p["penerima"]) for p in payload["masalah_pengiriman"]
    }
    assert problems == {
        (stranded, "forwarded", "contact", "liaison"),
        (stranded, "escalation", "contact", "liaison"),
        (stranded, "escalation", "contact", "kepala_dinas"),
    }
    assert all("BPBD tidak punya kontak" in p["galat"] for p in payload["masalah_pengiriman"])
    with desk.runtime.sessions() as session:
        to_sekda = session.scalars(select(Notification).where(Notification.rung == "sekda")).all()
        assert sorted(n.report_id for n in to_sekda) == [late, stranded]
        assert session.get_one(Report, late).status == "forwarded"
