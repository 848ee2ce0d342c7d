"""Lists as files: what each export holds for each role, CSV with a byte-order mark, XLSX with typed columns
and a frozen header, every export in the audit log, and nothing of another region or another OPD."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import select

from db.models import AuditLog, Role, User
from services import actions, exports
from services.accounts import Account, add_user
from services.actions import Actor, Forbidden
from services.audit_view import AuditFilter
from services.exports import Export, ExportRefused, Format
from services.inbox import InboxView
from services.reports import QueueFilter

PASSWORD = "kata-sandi-uji-123"
OPERATOR = Actor("user:operator-a")


def _account(desk, username: str, role: Role, region: str = "64.08", agency: str | None = None) -> Account:  # type: ignore[no-untyped-def]
    return add_user(
        desk.runtime,
        username=username,
        full_name=username,
        role=role,
        region_code=region,
        agency_code=agency,
        password=PASSWORD,
        actor="user:uji",
    )


def _csv(export: Export) -> tuple[bytes, list[list[str]]]:
    data = b"".join(exports.csv_chunks(export))
    return data, list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


@pytest.fixture
def reports(desk) -> dict[str, int]:  # type: ignore[no-untyped-def]
    made = {
        "jalan": desk.report(title="Jalan berlubang di Sangatta Utara"),
        "sampah": desk.report(title="Sampah menumpuk di pasar", function="SAMPAH", agency="DLH"),
        "manual": desk.report(title="Lampu jalan mati di Bengalon", function="PJU", agency="PERKIM"),
        "diteruskan": desk.report(title="Jalan amblas di Kaliorang"),
    }
    actions.approve(desk.runtime, made["manual"], actor=OPERATOR, mode=actions.LaporMode.MANUAL)
    actions.approve(desk.runtime, made["diteruskan"], actor=OPERATOR, mode=actions.LaporMode.MANUAL)
    actions.record_tracking_id(desk.runtime, made["diteruskan"], "7100001", actor=OPERATOR)
    return made


def test_the_queue_exports_every_matching_report_with_a_bom_and_links_for_operators_only(  # type: ignore[no-untyped-def]
    desk, reports
) -> None:
    operator = _account(desk, "operator-a", Role.OPERATOR)
    pimpinan = _account(desk, "bupati", Role.PIMPINAN)
    everything = QueueFilter(status="semua", page=1, page_size=1)  # one a page on screen; the file has all
    data, rows = _csv(exports.queue_export(desk.runtime, operator, everything, Format.CSV))
    assert data.startswith(b"\xef\xbb\xbf")
    assert rows[0][:3] == ["Nomor", "Status", "Mendesak"] and rows[0][-1] == "Tautan sumber"
    by_id = {int(row[0]): row for row in rows[1:]}
    assert set(by_id) == set(reports.values())
    assert by_id[reports["diteruskan"]][rows[0].index("Nomor tracking LAPOR!")] == "7100001"
    assert by_id[reports["manual"]][1] == "siap diinput"
    assert by_id[reports["jalan"]][rows[0].index("Tautan sumber")].startswith("https://berita.example/")
    assert by_id[reports["jalan"]][rows[0].index("Masuk antrean")].count(":") == 1  # local "YYYY-MM-DD HH:MM"

    roads = QueueFilter(status="semua", function="JALAN")
    _, read = _csv(exports.queue_export(desk.runtime, pimpinan, roads, Format.CSV))
    assert "Tautan sumber" not in read[0]  # links to raw posts: operators and managers only
    assert {int(row[0]) for row in read[1:]} == {reports["jalan"], reports["diteruskan"]}

    elsewhere = _account(desk, "operator-bjb", Role.OPERATOR, region="63.72")
    _, none = _csv(exports.queue_export(desk.runtime, elsewhere, everything, Format.CSV))
    assert none[1:] == []  # another region's reports never

    with desk.runtime.sessions() as session:
        logged = session.scalars(
            select(AuditLog).where(AuditLog.action == "export").order_by(AuditLog.id)
        ).all()
        user_ids = {u.username: u.id for u in session.scalars(select(User))}
    assert [(row.actor, row.entity_id, row.after["daftar"]) for row in logged] == [
        ("user:operator-a", user_ids["operator-a"], "antrean"),
        ("user:bupati", user_ids["bupati"], "antrean"),
        ("user:operator-bjb", user_ids["operator-bjb"], "antrean"),
    ]
    assert logged[1].after["function"] == "JALAN" and logged[1].after["format"] == "csv"


def test_the_xlsx_has_typed_columns_and_a_frozen_header(desk, reports, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    operator = _account(desk, "operator-a", Role.OPERATOR)
    path = tmp_path / "antrean.xlsx"
    written = exports.write_xlsx(
        exports.queue_export(desk.runtime, operator, QueueFilter(status="semua"), Format.XLSX), path
    )
    assert written == 4
    sheet = openpyxl.load_workbook(path).active
    assert sheet.freeze_panes == "A2"
    header = [cell.value for cell in sheet[1]]
    assert header[0] == "Nomor" and sheet["A1"].font.bold
    first = [cell.value for cell in sheet[2]]
    assert isinstance(first[0], int)
    assert isinstance(first[header.index("Mendesak")], bool)
    assert isinstance(first[header.index("Masuk antrean")], datetime)
    assert first[header.index("Diteruskan ke OPD")] is None or isinstance(
        first[header.index("Diteruskan ke OPD")], datetime
    )
    assert sorted(row[0].value for row in sheet.iter_rows(min_row=2)) == sorted(reports.values())


def test_an_opd_exports_only_its_own_inbox(desk, reports) -> None:  # type: ignore[no-untyped-def]
    for report_id in (reports["jalan"], reports["sampah"]):
        actions.approve(desk.runtime, report_id, actor=OPERATOR, mode=actions.LaporMode.MANUAL)
        actions.record_tracking_id(desk.runtime, report_id, f"72{report_id:05d}", actor=OPERATOR)
    pupr = _account(desk, "pupr-a", Role.OPD, agency="PUPR")
    _, rows = _csv(exports.inbox_export(desk.runtime, pupr, InboxView.ACTION, Format.CSV))
    assert {int(row[0]) for row in rows[1:]} == {reports["jalan"], reports["diteruskan"]}
    assert all(row[1] == "didisposisikan" for row in rows[1:])
    _, done = _csv(exports.inbox_export(desk.runtime, pupr, InboxView.DONE, Format.CSV))
    assert done[1:] == []
    with pytest.raises(Forbidden):
        exports.queue_export(desk.runtime, pupr, QueueFilter(), Format.CSV)
    with pytest.raises(Forbidden):
        exports.inbox_export(desk.runtime, _account(desk, "op", Role.OPERATOR), InboxView.ACTION, Format.CSV)


def test_the_batch_for_assisted_entry_holds_lapors_fields(desk, reports) -> None:  # type: ignore[no-untyped-def]
    operator = _account(desk, "operator-a", Role.OPERATOR)
    _, rows = _csv(exports.entry_batch_export(desk.runtime, operator, Format.CSV))
    assert rows[0] == [
        "Nomor Pantau",
        "Judul",
        "Isi Laporan",
        "Tanggal Kejadian",
        "Lokasi Kejadian",
        "Instansi Tujuan",
        "Kategori",
        "Klasifikasi",
        "Anonim",
        "Rahasia",
        "Tautan Sumber",
    ]
    assert [int(row[0]) for row in rows[1:]] == [reports["manual"]]  # the one still waiting for its entry
    assert "Lampu jalan mati" in rows[1][1] and rows[1][5].startswith("Dinas")
    with pytest.raises(Forbidden):
        exports.entry_batch_export(desk.runtime, _account(desk, "bupati", Role.PIMPINAN), Format.CSV)


def test_the_audit_log_exports_as_filtered_and_refuses_a_filter_it_cannot_read(desk, reports) -> None:  # type: ignore[no-untyped-def]
    manager = _account(desk, "manajer-a", Role.MANAGER)
    _, rows = _csv(exports.audit_export(desk.runtime, manager, AuditFilter(actor="operator-a"), Format.CSV))
    assert rows[0] == ["Nomor", "Waktu", "Pelaku", "Data", "Tindakan", "Perubahan", "Alasan"]
    assert rows[1:] and all(row[2] == "user:operator-a" for row in rows[1:])
    numbers = [int(row[0]) for row in rows[1:]]
    assert numbers == sorted(numbers, reverse=True)
    with pytest.raises(ExportRefused, match="bukan tanggal"):
        exports.audit_export(desk.runtime, manager, AuditFilter(date_from="kemarin"), Format.CSV)
    with pytest.raises(Forbidden):
        exports.audit_export(desk.runtime, _account(desk, "op", Role.OPERATOR), AuditFilter(), Format.CSV)


def test_csv_streams_in_chunks_and_formats_are_checked(desk, reports, monkeypatch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(exports, "BATCH", 2)  # several reads from the database, as with 100,000 rows
    operator = _account(desk, "operator-a", Role.OPERATOR)
    export = exports.queue_export(desk.runtime, operator, QueueFilter(status="semua"), Format.CSV)
    chunks = list(exports.csv_chunks(export, rows_per_chunk=1))
    assert len(chunks) == 5 and chunks[0].startswith(b"\xef\xbb\xbf")  # the header with the first row, 3 more
    assert b"".join(chunks).count(b"\n") == 5
    path = tmp_path / "antrean.xlsx"
    assert exports.write_xlsx(exports.entry_batch_export(desk.runtime, operator, Format.XLSX), path) == 1
    pupr = _account(desk, "pupr-a", Role.OPD, agency="PUPR")
    assert (
        exports.write_xlsx(exports.inbox_export(desk.runtime, pupr, InboxView.ACTION, Format.XLSX), path) == 1
    )
    with pytest.raises(ExportRefused, match="csv atau xlsx"):
        exports.format_named("pdf")
