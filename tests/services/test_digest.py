"""The daily digests on SQLite and PostgreSQL: one per OPD with something open (new, due soon, overdue) and
one for the region's manager, each once per local day however often the job runs, delivered as real e-mail."""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage
from zoneinfo import ZoneInfo

from db.models import Role
from services import actions
from services.actions import Actor
from services.digest import queue_digests
from services.notify_outbox import deliver_notifications

WITA = ZoneInfo("Asia/Makassar")
PUPR_LIAISON = "penghubung.pupr@kutaitimur.example"
DISHUB_LIAISON = "penghubung.dishub@kutaitimur.example"
MANAGER = "pengaduan@kutaitimur.example"


def wita(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=WITA)


def _digests(desk) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    """(rung, recipient) of every digest written, oldest first."""
    return [(n.rung, n.recipient) for n in desk.notifications() if n.kind == "digest"]


def _text(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert isinstance(part, EmailMessage)
    return str(part.get_content())


def _in_order(text: str, *needles: str) -> bool:
    places = [text.find(needle) for needle in needles]
    return -1 not in places and places == sorted(places)


def test_each_opd_and_the_manager_get_one_digest_a_day(desk, forward_at, mailbox) -> None:  # type: ignore[no-untyped-def]
    # the digest runs Wed 18 Nov 2026 07:00 WITA
    fresh = forward_at(wita(2026, 11, 17, 15))  # forwarded 16 h ago: new
    soon = forward_at(wita(2026, 11, 12))  # due Thu 19 Nov, 72 % used: due soon
    overdue = forward_at(wita(2026, 11, 2))  # due Mon 9 Nov: overdue
    dishub = forward_at(wita(2026, 11, 3), agency="DISHUB", function="PARKIR_LALIN", title="Parkir liar")
    answered = forward_at(wita(2026, 11, 16), agency="PERKIM", function="PJU", title="Lampu jalan mati")
    opd = Actor("user:penghubung-perkim", Role.OPD, "PERKIM")
    actions.answer(
        desk.runtime, answered, "Lampu sudah diganti petugas.", actor=opd, now=wita(2026, 11, 17, 10)
    )

    first = queue_digests(desk.runtime, now=wita(2026, 11, 18, 7))
    later = queue_digests(desk.runtime, now=wita(2026, 11, 18, 17))

    assert (first.agencies, first.managers) == (2, 1)
    assert (later.agencies, later.managers) == (0, 0)
    # Perkim's only report is answered, DLH has none: no digest for them
    assert sorted(_digests(desk)) == [
        ("liaison", DISHUB_LIAISON),
        ("liaison", PUPR_LIAISON),
        ("manager", MANAGER),
    ]

    assert deliver_notifications(mailbox.runtime, worker="uji").failed == 0
    mails = {m["X-Sink-Rcpt-To"]: m for m in mailbox.messages() if "Ringkasan harian" in m["Subject"]}
    assert set(mails) == {f"<{PUPR_LIAISON}>", f"<{DISHUB_LIAISON}>", f"<{MANAGER}>"}
    pupr = mails[f"<{PUPR_LIAISON}>"]
    assert pupr["Subject"] == (
        "[SP4N-LAPOR!] Ringkasan harian Kabupaten Kutai Timur, 2026-11-18: "
        "1 terlambat, 1 mendekati tenggat, 1 baru"
    )
    text = _text(pupr)
    assert text.startswith("Yth. Dinas Pekerjaan Umum dan Penataan Ruang,")
    assert _in_order(
        text,
        "Melewati batas waktu (1)",
        f"#{overdue} ",
        "Batas waktu: 2026-11-09 23:59 WITA",
        "Mendekati batas waktu (1)",
        f"#{soon} ",
        "Batas waktu: 2026-11-19 23:59 WITA",
        "Laporan baru (1)",
        f"#{fresh} ",
    )
    assert f"#{dishub} " not in text and f"#{answered} " not in text
    assert f"/laporan/{overdue}" in text
    manager = mails[f"<{MANAGER}>"]
    assert "2 terlambat, 1 mendekati tenggat, 1 baru" in manager["Subject"]
    text = _text(manager)
    assert text.startswith("Yth. Pengelola Kabupaten Kutai Timur,")
    assert all(f"#{n} " in text for n in (fresh, soon, overdue, dishub)) and f"#{answered} " not in text
    assert "Melewati batas waktu (2)" in text


def test_the_day_is_the_regions_local_day(desk, forward_at) -> None:  # type: ignore[no-untyped-def]
    forward_at(wita(2026, 11, 2))  # overdue all along
    # 23:30 and 00:30 WITA are 15:30 and 16:30 UTC of the same UTC day, but two days in Kutai Timur
    runs = [
        queue_digests(desk.runtime, now=moment).agencies
        for moment in (wita(2026, 11, 18, 23, 30), wita(2026, 11, 19, 0, 30), wita(2026, 11, 19, 7))
    ]

    assert runs == [1, 1, 0]
    assert [n.subject.split(", ")[1].split(":")[0] for n in desk.notifications() if n.kind == "digest"] == [
        "2026-11-18",
        "2026-11-18",
        "2026-11-19",
        "2026-11-19",
    ]


def test_nothing_open_means_no_digest(desk, forward_at) -> None:  # type: ignore[no-untyped-def]
    fresh = forward_at(wita(2026, 11, 16, 9))
    # two days later, a quarter of the time used: neither new nor due soon nor overdue
    quiet = queue_digests(desk.runtime, now=wita(2026, 11, 18, 9))
    actions.answer(
        desk.runtime,
        fresh,
        "Sudah ditangani petugas lapangan.",
        actor=Actor("user:penghubung-pupr", Role.OPD, "PUPR"),
        now=wita(2026, 11, 18, 10),
    )
    answered = queue_digests(
        desk.runtime, now=wita(2026, 11, 25, 9)
    )  # it would be overdue had it not been answered

    assert (quiet.agencies, quiet.managers) == (0, 0)
    assert (answered.agencies, answered.managers) == (0, 0)
    assert _digests(desk) == []


def test_digests_go_out_on_working_days_and_monday_covers_friday(desk, forward_at) -> None:  # type: ignore[no-untyped-def]
    friday_afternoon = forward_at(wita(2026, 11, 20, 15))  # Friday
    saturday = queue_digests(desk.runtime, now=wita(2026, 11, 21, 7))
    monday = queue_digests(desk.runtime, now=wita(2026, 11, 23, 7))

    assert (saturday.agencies, saturday.managers) == (0, 0)  # offices are closed
    assert (monday.agencies, monday.managers) == (1, 1)
    [opd_digest] = [n for n in desk.notifications() if n.kind == "digest" and n.rung == "liaison"]
    new_section = opd_digest.body_text.split("Laporan baru (")[1]
    assert new_section.startswith("1)") and f"#{friday_afternoon}" in new_section, opd_digest.body_text
