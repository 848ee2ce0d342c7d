"""The review queue page through the ASGI client, on SQLite and PostgreSQL: filters in the address (and only
the rows for HTMX), pages of 50, bulk approve, reject and merge with a row someone else changed meanwhile,
the pimpinan reading without controls, and another region's operator changing nothing."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from db.models import AuditLog, Report
from db.models import RejectReason as Reason
from services import actions
from services.actions import Actor
from tests.services.queue_shapes import kecamatan, shape

ROW = re.compile(r'<tr data-report-id="(\d+)"')
TICK = re.compile(r'name="pilih" value="(\d+:\d+)"')
SOMEONE_ELSE = Actor("user:operator-lain")


def _rows(page: str) -> list[int]:
    return [int(found) for found in ROW.findall(page)]


def _ticks(page: str, *report_ids: int) -> list[str]:
    """The checkbox values (report:version) the page shows for these reports."""
    values = {int(value.split(":")[0]): value for value in TICK.findall(page)}
    return [values[report_id] for report_id in report_ids]


def _status(console, report_id: int) -> str:  # type: ignore[no-untyped-def]
    with console.runtime.sessions() as session:
        return session.get_one(Report, report_id).status


def _audit_count(console) -> int:  # type: ignore[no-untyped-def]
    with console.runtime.sessions() as session:
        return session.scalar(select(func.count()).select_from(AuditLog)) or 0


def _bulk(console, client: TestClient, page: str, **form: Any):  # type: ignore[no-untyped-def]
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    kembali = page.split('name="kembali" value="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    return client.post("/antrean/massal", data={"csrf_token": token, "kembali": kembali, **form})


def test_each_filter_narrows_the_rows(console, queued_report) -> None:  # type: ignore[no-untyped-def]
    rt = console.runtime
    place, place_name = kecamatan(rt, 0)
    plain = queued_report(rt, title="Jalan berlubang biasa")
    rubbish = queued_report(rt, title="Sampah menumpuk", function="SAMPAH", agency="DLH")
    placed = shape(rt, queued_report(rt, title="Jalan di kecamatan"), kecamatan_code=place)
    watched = shape(rt, queued_report(rt, title="Banjir lagi"), watchlists=["banjir-sangatta"])
    urgent = shape(rt, queued_report(rt, title="Jembatan putus"), urgent=True)
    unsure = shape(rt, queued_report(rt, title="Mungkin keluhan"), band="review")
    rejected = queued_report(rt, title="Iklan obat")
    actions.reject(rt, rejected, actor=SOMEONE_ELSE, code=Reason.SPAM)
    operator = console.client("operator")

    def shown(query: str = "") -> list[int]:
        answer = operator.get(f"/antrean{query}")
        assert answer.status_code == 200, answer.text
        return _rows(answer.text)

    assert set(shown()) == {plain, rubbish, placed, watched, urgent, unsure}  # waiting for an operator
    assert shown()[0] == urgent
    assert shown("?status=rejected") == [rejected]
    assert rejected in shown("?status=semua")
    assert shown("?fungsi=SAMPAH") == shown("?opd=DLH") == [rubbish]
    assert shown(f"?kecamatan={place}") == [placed]
    assert shown("?watchlist=banjir-sangatta") == [watched]
    assert shown("?mendesak=1") == [urgent]
    assert shown("?pita=review") == [unsure]
    assert shown("?fungsi=SAMPAH&mendesak=1") == []
    with rt.sessions() as session:  # the days a report entered the queue, in the region's time (WITA)
        session.get_one(Report, plain).queued_at = datetime(2026, 11, 2, 16, 30, tzinfo=UTC)  # 3 Nov 00:30
        session.get_one(Report, rubbish).queued_at = datetime(2026, 11, 2, 15, 30, tzinfo=UTC)  # 2 Nov 23:30
        session.commit()
    assert shown("?dari=2026-11-03&sampai=2026-11-03") == [plain]
    assert shown("?sampai=2026-11-02") == [rubbish]
    assert set(shown("?dari=2026-11-02&sampai=2026-11-03")) == {plain, rubbish}
    assert operator.get("/antrean?dari=kemarin").status_code == 400

    page = operator.get(f"/antrean?kecamatan={place}").text
    assert place_name in page and f'<option value="{place}" selected>' in page  # the form keeps its choice
    assert "Tidak ada laporan yang cocok" in operator.get("/antrean?fungsi=SAMPAH&mendesak=1").text
    review_page = operator.get("/antrean?pita=review").text
    assert 'class="band-review">perlu ditinjau' in review_page
    assert operator.get("/antrean?status=entah").status_code == 400
    assert operator.get("/antrean?halaman=nol").status_code == 400

    # HTMX asks for the rows only; a history restore asks for the whole page
    rows_only = operator.get("/antrean?fungsi=SAMPAH", headers={"HX-Request": "true"}).text
    assert 'id="antrean-baris"' in rows_only
    assert "<html" not in rows_only and _rows(rows_only) == [rubbish]
    restored = operator.get("/antrean", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert "<html" in restored.text


def test_the_queue_comes_in_pages_of_fifty(console, queued_report) -> None:  # type: ignore[no-untyped-def]
    made = [queued_report(console.runtime, title=f"Laporan ke-{n}") for n in range(51)]
    first = shape(console.runtime, made[-1], priority=9)  # the newest, but the highest priority
    operator = console.client("operator")

    page_one = operator.get("/antrean").text
    assert "51 laporan · halaman 1 dari 2" in page_one
    assert len(_rows(page_one)) == 50 and _rows(page_one)[0] == first
    assert 'href="/antrean?halaman=2"' in page_one
    page_two = operator.get("/antrean?halaman=2").text
    assert _rows(page_two) == [made[-2]]  # oldest first within a priority: the last one made comes last
    assert 'href="/antrean?halaman=1"' in page_two
    assert set(_rows(page_one)) | set(_rows(page_two)) == set(made)
    filtered = operator.get("/antrean?status=queued&halaman=2").text
    assert 'href="/antrean?status=queued&amp;halaman=1"' in filtered  # the pages keep the filters


def test_bulk_approve_with_a_row_someone_else_changed(console, queued_report) -> None:  # type: ignore[no-untyped-def]
    first, stale, last = (queued_report(console.runtime, title=f"Laporan {n}") for n in range(3))
    operator = console.client("operator")
    page = operator.get("/antrean").text
    actions.reject(console.runtime, stale, actor=SOMEONE_ELSE, code=Reason.SPAM)  # meanwhile

    answer = _bulk(console, operator, page, tindakan="setujui", pilih=_ticks(page, first, stale, last))

    assert answer.status_code == 200
    assert "Hasil: 2 dari 3 laporan selesai" in answer.text
    assert re.search(rf'data-outcome-for="{stale}"><strong>#{stale} sudah diubah</strong>', answer.text)
    assert "sudah diubah oleh user:operator-lain" in answer.text
    assert [_status(console, r) for r in (first, stale, last)] == ["approved", "rejected", "approved"]
    with console.runtime.sessions() as session:
        approved_by = session.scalars(
            select(AuditLog.entity_id).where(
                AuditLog.actor == "user:operator", AuditLog.action == "status:approved"
            )
        ).all()
    assert sorted(approved_by) == sorted([first, last])


def test_bulk_reject_with_a_reason_code(console, queued_report) -> None:  # type: ignore[no-untyped-def]
    one, stale = queued_report(console.runtime), queued_report(console.runtime)
    operator = console.client("operator")
    page = operator.get("/antrean").text
    actions.approve(console.runtime, stale, actor=SOMEONE_ELSE)

    answer = _bulk(
        console,
        operator,
        page,
        tindakan="tolak",
        kode="duplikat",
        alasan="sama",
        pilih=_ticks(page, one, stale),
    )

    assert "Hasil: 1 dari 2 laporan selesai" in answer.text
    assert [_status(console, r) for r in (one, stale)] == ["rejected", "approved"]
    with console.runtime.sessions() as session:
        assert session.get_one(Report, one).reject_reason == "duplikat"
    refused = _bulk(console, operator, page, tindakan="tolak", kode="asal", pilih=_ticks(page, one))
    assert refused.status_code == 400 and "kode alasan" in refused.text


def test_bulk_merge_into_the_chosen_report(console, queued_report) -> None:  # type: ignore[no-untyped-def]
    keep, one, two, stale = (queued_report(console.runtime, title=f"Jalan {n}") for n in range(4))
    operator = console.client("operator")
    page = operator.get("/antrean").text
    actions.approve(console.runtime, stale, actor=SOMEONE_ELSE)
    before = _audit_count(console)

    answer = _bulk(
        console,
        operator,
        page,
        tindakan="gabung",
        pertahankan=str(keep),
        pilih=_ticks(page, keep, one, two, stale),
    )

    assert f"laporan #{keep} dipertahankan: 2 laporan digabung ke sini" in answer.text
    assert "Hasil: 3 dari 4 laporan selesai" in answer.text
    assert [_status(console, r) for r in (keep, one, two, stale)] == [
        "queued",
        "rejected",
        "rejected",
        "approved",
    ]
    assert _audit_count(console) > before
    row = re.search(rf'<tr data-report-id="{keep}".*?</tr>', answer.text, re.S)
    assert row and '<td class="mentions">3</td>' in row.group(0)  # three mentions now
    missing_keep = _bulk(console, operator, page, tindakan="gabung", pertahankan="", pilih=_ticks(page, keep))
    assert missing_keep.status_code == 400 and "nomor laporan yang dipertahankan" in missing_keep.text


def test_the_rows_carry_what_an_operator_needs(console, queued_report) -> None:  # type: ignore[no-untyped-def]
    place, place_name = kecamatan(console.runtime, 0)
    report_id = shape(
        console.runtime, queued_report(console.runtime, mentions=3), kecamatan_code=place, urgent=True
    )
    page = console.client("operator").get("/antrean").text
    row = re.search(rf'<tr data-report-id="{report_id}".*?</tr>', page, re.S)
    assert row is not None
    cells = row.group(0)
    function_name = console.runtime.catalog.functions["JALAN"].name
    for shown in (
        place_name,
        function_name,
        "PUPR",
        "mendesak",
        '<td class="mentions">3</td>',
        f'href="/laporan/{report_id}"',
    ):
        assert shown in cells, shown
    assert 'name="pilih"' in cells and 'id="massal"' in page
    assert '<script src="/statis/queue.js" defer></script>' in page and 'id="pintasan"' in page


def test_the_pimpinan_reads_the_queue_without_controls(console, queued_report) -> None:  # type: ignore[no-untyped-def]
    report_id = queued_report(console.runtime)
    page = console.client("pimpinan").get("/antrean")
    assert page.status_code == 200 and _rows(page.text) == [report_id]
    for control in ('name="pilih"', 'id="massal"', "data-select-all", "Setujui yang dipilih", 'name="kode"'):
        assert control not in page.text, control
    assert "gabungkan yang dicentang" not in page.text  # the help lists only what the role can do


def test_another_region_changes_nothing(console, queued_report) -> None:  # type: ignore[no-untyped-def]
    report_id = queued_report(console.runtime)
    version = console.client("operator").get("/antrean").text
    elsewhere = console.client("operator-banjarbaru")
    own_page = elsewhere.get("/antrean").text
    before = _audit_count(console)

    answer = _bulk(console, elsewhere, own_page, tindakan="setujui", pilih=_ticks(version, report_id))

    assert f"#{report_id} ditolak</strong>: laporan #{report_id} tidak ada" in answer.text
    assert _status(console, report_id) == "queued" and _audit_count(console) == before
