"""The OPD liaison's pages through the console: the inbox (its own agency's reports, most urgent first, with
the time left), the answer with attachments, their download, and the return as bukan wewenang."""

from __future__ import annotations

import asyncio
import html
import re
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

import services.inbox
from db.models import Agency, Attachment, AuditLog, FollowUp, Report, Role, User
from db.session import transaction
from services import actions
from services.accounts import Account
from services.actions import Actor
from services.inbox import InboxView, opd_inbox

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 8
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x01" * 64
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 512
ANSWER = "Lubang sudah ditambal tim UPT jalan, foto terlampir."
WITA = ZoneInfo("Asia/Makassar")


def _forwarded(console, queued_report, agency: str = "PUPR", title: str = "Jalan berlubang") -> int:  # type: ignore[no-untyped-def]
    report_id = int(queued_report(console.runtime, agency=agency, title=title))
    operator = Actor("user:uji")
    actions.approve(console.runtime, report_id, actor=operator, mode=actions.LaporMode.MANUAL)
    actions.record_tracking_id(console.runtime, report_id, f"{6000000 + report_id}", actor=operator)
    return report_id


def _form(console, client, report_id: int) -> dict[str, str]:  # type: ignore[no-untyped-def]
    page = client.get(f"/laporan/{report_id}").text
    version = page.split('name="version" value="', 1)[1].split('"', 1)[0]
    return {"csrf_token": console.csrf(client, f"/laporan/{report_id}"), "version": version}


def _stored(console, report_id: int) -> tuple[int, int, str]:  # type: ignore[no-untyped-def]
    with console.runtime.sessions() as session:
        follow_ups = session.scalar(
            select(func.count()).select_from(FollowUp).where(FollowUp.report_id == report_id)
        )
        files = session.scalar(
            select(func.count()).select_from(Attachment).where(Attachment.report_id == report_id)
        )
        status = session.get_one(Report, report_id).status
    return follow_ups or 0, files or 0, status


def test_an_answer_with_two_files_is_stored_and_downloaded_as_sent(console, queued_report) -> None:  # type: ignore[no-untyped-def]
    report_id = _forwarded(console, queued_report)
    pupr = console.client("pupr")
    page = pupr.get(f"/laporan/{report_id}").text
    assert 'id="tindak-lanjut"' in page and 'enctype="multipart/form-data"' in page
    assert 'name="lampiran" multiple accept="image/*,application/pdf"' in page and "capture" not in page
    sent = pupr.post(
        f"/laporan/{report_id}/tanggapi",
        data={**_form(console, pupr, report_id), "text": ANSWER},
        files=[
            ("lampiran", ("C:\\fakepath\\jalan sesudah.jpg", JPEG, "image/jpeg")),
            ("lampiran", ("surat balasan.pdf", PDF, "application/octet-stream")),
        ],
        follow_redirects=False,
    )
    assert sent.status_code == 303, sent.text
    assert _stored(console, report_id) == (1, 2, "followed_up")
    operator = console.client("operator")
    shown = operator.get(f"/laporan/{report_id}").text
    links = re.findall(r'<a href="/lampiran/(\d+)">([^<]+)</a> \(([^)]+)\)', shown)
    assert [(name, size) for _, name, size in links] == [
        ("jalan sesudah.jpg", "2 KB"),
        ("surat balasan.pdf", "1 KB"),
    ]
    for (attachment_id, name, _), (content, content_type) in zip(
        links, [(JPEG, "image/jpeg"), (PDF, "application/pdf")], strict=True
    ):
        for client in (pupr, operator, console.client("pimpinan")):
            got = client.get(f"/lampiran/{attachment_id}")
            assert got.status_code == 200 and got.content == content
            assert got.headers["content-type"] == content_type
            assert got.headers["x-content-type-options"] == "nosniff"
            assert got.headers["content-security-policy"].startswith("sandbox")
            quoted = name.replace(" ", "%20")
            assert got.headers["content-disposition"] == (
                f"attachment; filename=\"{name}\"; filename*=UTF-8''{quoted}"
            )


def test_refused_files_refuse_the_whole_answer_and_keep_the_text(console, queued_report) -> None:  # type: ignore[no-untyped-def]
    report_id = _forwarded(console, queued_report)
    pupr = console.client("pupr")
    six_mb = JPEG + b"\x00" * (6 * 1024 * 1024)
    cases = [
        ([("lampiran", ("besar.jpg", six_mb, "image/jpeg"))], "'besar.jpg' lebih dari 5 MB"),
        ([("lampiran", ("foto.jpg", EXE, "image/jpeg"))], "'foto.jpg' bukan JPEG, PNG, WebP atau PDF"),
        ([("lampiran", (f"foto{n}.png", PNG, "image/png")) for n in range(6)], "6 berkas dilampirkan"),
        (
            [("lampiran", ("baik.png", PNG, "image/png")), ("lampiran", ("setup.jpg", EXE, "image/jpeg"))],
            "'setup.jpg' bukan",
        ),
    ]
    for files, reason in cases:
        refused = pupr.post(
            f"/laporan/{report_id}/tanggapi",
            data={**_form(console, pupr, report_id), "text": ANSWER},
            files=files,
        )
        shown = html.unescape(refused.text)
        assert refused.status_code == 400 and reason in shown, reason
        assert "tindak lanjut tidak disimpan" in shown
        assert f">{ANSWER}</textarea>" in shown  # what the liaison typed is still there
        assert _stored(console, report_id) == (0, 0, "forwarded")
    # a browser sends a file input left empty as a part with an empty file name and no content
    fields = {**_form(console, pupr, report_id), "text": ANSWER}
    boundary = "----batasBrowser"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'
        for k, v in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="lampiran"; filename=""\r\n'
        f"Content-Type: application/octet-stream\r\n\r\n\r\n--{boundary}--\r\n"
    )
    no_file = pupr.post(
        f"/laporan/{report_id}/tanggapi",
        content="".join(parts).encode(),
        headers={"content-type": f"multipart/form-data; boundary={boundary}"},
        follow_redirects=False,
    )
    assert no_file.status_code == 303 and _stored(console, report_id) == (1, 0, "followed_up")


def _asgi_post(app: Any, path: str, headers: list[tuple[bytes, bytes]], chunks: Any) -> tuple[int, int]:
    """POST through the ASGI interface with a body that arrives a chunk at a time; returns the status and
    how many chunks the console asked for before it answered."""
    asked = 0
    status = 0

    async def receive() -> dict[str, Any]:
        nonlocal asked
        asked += 1
        chunk, more = next(chunks, (b"", False))
        return {"type": "http.request", "body": chunk, "more_body": more}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    asyncio.run(app(scope, receive, send))
    return status, asked


def test_an_upload_is_cut_off_as_soon_as_it_passes_the_limit(console, queued_report) -> None:  # type: ignore[no-untyped-def]
    report_id = _forwarded(console, queued_report)
    pupr = console.client("pupr")
    cookie = f"pantau_sesi={pupr.cookies['pantau_sesi']}".encode()
    boundary = "batasuji0123456789"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="lampiran"; filename="besar.jpg"\r\n'
        "Content-Type: image/jpeg\r\n\r\n"
    ).encode() + JPEG
    headers = [
        (b"host", b"testserver"),
        (b"content-type", f"multipart/form-data; boundary={boundary}".encode()),
        (b"cookie", cookie),
    ]
    mebibyte = b"\x00" * (1024 * 1024)
    stream = iter([(head, True)] + [(mebibyte, True)] * 499 + [(mebibyte, False)])  # 500 MB, unannounced
    status, asked = _asgi_post(pupr.app, f"/laporan/{report_id}/tanggapi", headers, stream)
    assert status == 413 and asked <= 28  # 5 files of 5 MB and 1 MB for the form, not 500 MB
    announced = [*headers, (b"content-length", str(500 * 1024 * 1024).encode())]
    status, asked = _asgi_post(pupr.app, f"/laporan/{report_id}/tanggapi", announced, iter([]))
    assert status == 413 and asked == 0  # refused before a byte was read
    assert _stored(console, report_id) == (0, 0, "forwarded")


def test_another_opd_and_another_region_do_not_find_the_file(console, queued_report) -> None:  # type: ignore[no-untyped-def]
    report_id = _forwarded(console, queued_report)
    pupr = console.client("pupr")
    pupr.post(
        f"/laporan/{report_id}/tanggapi",
        data={**_form(console, pupr, report_id), "text": ANSWER},
        files=[("lampiran", ("jalan.jpg", JPEG, "image/jpeg"))],
    )
    with console.runtime.sessions() as session:
        attachment_id = session.scalars(select(Attachment.id)).one()
    for stranger in ("dlh", "operator-banjarbaru"):
        refused = console.client(stranger).get(f"/lampiran/{attachment_id}")
        assert refused.status_code == 404 and JPEG not in refused.content
    assert console.client("operator").get(f"/lampiran/{attachment_id + 1}").status_code == 404
    assert console.client().get(f"/lampiran/{attachment_id}", follow_redirects=False).status_code == 303


def test_the_return_form_stores_the_reason_and_the_suggested_agency(console, queued_report) -> None:  # type: ignore[no-untyped-def]
    first = _forwarded(console, queued_report, title="Sampah menumpuk di pasar")
    second = _forwarded(console, queued_report, title="Jalan nasional rusak")
    pupr = console.client("pupr")
    page = pupr.get(f"/laporan/{first}").text
    options = re.findall(r'<option value="([A-Z_]*)"', page)
    assert "DLH" in options and "PUPR" not in options and "DISKOMINFO" not in options and options[0] == ""
    blank = pupr.post(
        f"/laporan/{first}/kembalikan",
        data={**_form(console, pupr, first), "reason": "   ", "saran_opd": "DLH"},
    )
    assert blank.status_code == 400 and "tuliskan alasan" in blank.text
    assert _stored(console, first)[2] == "forwarded"
    returned = pupr.post(
        f"/laporan/{first}/kembalikan",
        data={**_form(console, pupr, first), "reason": "urusan kebersihan pasar", "saran_opd": "DLH"},
        follow_redirects=False,
    )
    assert returned.status_code == 303
    outside = pupr.post(
        f"/laporan/{second}/kembalikan",
        data={**_form(console, pupr, second), "reason": "ruas jalan nasional", "luar_pemda": "BBPJN Kaltim"},
        follow_redirects=False,
    )
    assert outside.status_code == 303
    with console.runtime.sessions() as session:
        entries = {
            report_id: session.scalars(
                select(AuditLog)
                .where(AuditLog.entity_type == "report", AuditLog.entity_id == report_id)
                .order_by(AuditLog.id)
            ).all()[-2:]
            for report_id in (first, second)
        }
        assert session.get_one(Report, first).status == "filed"
    status_entry, suggestion = entries[first]
    assert status_entry.action == "status:filed" and status_entry.reason == (
        "dikembalikan oleh Dinas PUPR: urusan kebersihan pasar; saran: Dinas Lingkungan Hidup"
    )
    assert suggestion.action == "return:suggestion"
    assert suggestion.after == {"saran": {"opd": "DLH", "nama": "Dinas Lingkungan Hidup"}}
    assert entries[second][1].after == {"saran": {"luar_pemda": "BBPJN Kaltim"}}
    shown = console.client("operator").get(f"/laporan/{first}").text
    assert "saran: Dinas Lingkungan Hidup" in shown


def _set_clock(console, report_id: int, forwarded: datetime, due: datetime) -> None:  # type: ignore[no-untyped-def]
    """Set-up: when the report was forwarded and when its follow-up is due."""
    with transaction(console.runtime.sessions) as session:
        report = session.get_one(Report, report_id)
        report.forwarded_at, report.followup_due_at = forwarded, due


def _pupr_account(console) -> Account:  # type: ignore[no-untyped-def]
    with console.runtime.sessions() as session:
        user = session.scalars(select(User).where(User.username == "pupr")).one()
        agency = session.get_one(Agency, user.agency_id)
        return Account(
            id=user.id,
            username=user.username,
            full_name=user.full_name,
            role=Role.OPD,
            region_id=agency.region_id,
            region_code="64.08",
            agency_id=agency.id,
            agency_code=agency.code,
        )


def test_the_inbox_puts_the_most_urgent_first_and_shows_the_time_left(
    console, queued_report, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    # Wednesday 9 December 2026, 10:00 WITA; deadlines end at 23:59:59 local
    now = datetime(2026, 12, 9, 10, 0, tzinfo=WITA).astimezone(UTC)
    forwarded = datetime(2026, 12, 1, 9, 0, tzinfo=WITA).astimezone(UTC)

    def end_of(day: int) -> datetime:
        return datetime(2026, 12, day, 23, 59, 59, tzinfo=WITA).astimezone(UTC)

    titles = {
        "tenggat Jumat": end_of(11),
        "tenggat Selasa depan": end_of(15),
        "lewat sejak Senin": end_of(7),
        "tenggat hari ini": end_of(9),
        "lewat sejak Selasa": end_of(8),
    }
    ids = {}
    for title, due in titles.items():
        ids[title] = _forwarded(console, queued_report, title=title)
        _set_clock(console, ids[title], forwarded, due)
    actions.acknowledge(console.runtime, ids["tenggat Jumat"], actor=Actor("user:pupr", Role.OPD, "PUPR"))
    answered = _forwarded(console, queued_report, title="sudah dijawab")
    actions.answer(console.runtime, answered, ANSWER, actor=Actor("user:pupr", Role.OPD, "PUPR"))
    elsewhere = _forwarded(console, queued_report, agency="DLH", title="laporan DLH")

    inbox = opd_inbox(console.runtime, _pupr_account(console), InboxView.ACTION, now=now)
    assert [(item.id, item.deadline.text if item.deadline else None) for item in inbox.items] == [
        (ids["lewat sejak Senin"], "lewat 2 hari kerja"),
        (ids["lewat sejak Selasa"], "lewat 1 hari kerja"),
        (ids["tenggat hari ini"], "tenggat hari ini"),
        (ids["tenggat Jumat"], "sisa 2 hari kerja"),
        (ids["tenggat Selasa depan"], "sisa 4 hari kerja"),  # the weekend does not count
    ]
    assert [item.deadline.overdue for item in inbox.items if item.deadline] == [
        True,
        True,
        False,
        False,
        False,
    ]
    assert inbox.counts == {InboxView.ACTION: 5, InboxView.DONE: 1}
    assert inbox.items[0].deadline and inbox.items[0].deadline.used_percent == 100
    sunday = datetime(2026, 12, 6, 20, 0, tzinfo=WITA).astimezone(UTC)
    before = opd_inbox(console.runtime, _pupr_account(console), InboxView.ACTION, now=sunday)
    assert [item.deadline.text for item in before.items if item.deadline] == [
        "sisa 1 hari kerja",  # Monday's
        "sisa 2 hari kerja",
        "sisa 3 hari kerja",
        "sisa 5 hari kerja",  # Friday's: Monday to Friday are left
        "sisa 7 hari kerja",
    ]

    shift = datetime.now(UTC) - now  # the page reads the real clock: the same deadlines, moved to today
    for title, due in titles.items():
        _set_clock(console, ids[title], forwarded + shift, due + shift)
    pupr = console.client("pupr")
    page = pupr.get("/kotak-masuk").text
    order = [int(n) for n in re.findall(r'<a href="/laporan/(\d+)">', page)]
    assert order == [ids[t] for t in ("lewat sejak Senin", "lewat sejak Selasa", "tenggat hari ini")] + [
        ids["tenggat Jumat"],
        ids["tenggat Selasa depan"],
    ]
    assert re.search(r"lewat (\d+ hari kerja|tenggat)", page)
    assert re.search(r"(sisa \d+ hari kerja|tenggat hari ini)", page)
    assert "<meter" in page and "diterima OPD" in page and "Perlu tindakan (5)" in page
    done = pupr.get("/kotak-masuk?tampil=selesai").text
    assert re.findall(r'<a href="/laporan/(\d+)">', done) == [str(answered)]
    assert "tutup otomatis" in done and "Selesai (1)" in done
    assert f'href="/laporan/{elsewhere}"' not in page + done and "laporan DLH" not in page + done

    monkeypatch.setattr(services.inbox, "PAGE_SIZE", 2)  # pages of two: the same order, cut in the database
    paged = [pupr.get(f"/kotak-masuk?halaman={n}").text for n in (1, 2, 3, 4)]
    assert [[int(n) for n in re.findall(r'<a href="/laporan/(\d+)">', p)] for p in paged] == [
        order[0:2],
        order[2:4],
        order[4:5],
        order[4:5],  # past the last page: the last page
    ]
    assert (
        "halaman 1 dari 3" in paged[0]
        and 'href="/kotak-masuk?tampil=perlu-tindakan&amp;halaman=2"' in paged[0]
    )
