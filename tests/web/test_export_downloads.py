"""The download links of the queue, the inbox and the audit log: the file that comes back, its name and
type, the filters it keeps, and a filter or format the console does not know."""

from __future__ import annotations

import io

import openpyxl

from services import actions
from services.actions import Actor

OPERATOR = Actor("user:uji")


def test_the_queue_downloads_what_its_filters_show(console, queued_report) -> None:  # type: ignore[no-untyped-def]
    road = queued_report(console.runtime, title="Jalan berlubang di Sangatta")
    queued_report(console.runtime, title="Sampah menumpuk", function="SAMPAH", agency="DLH")
    operator = console.client("operator")
    page = operator.get("/antrean?fungsi=JALAN").text
    assert (
        'href="/ekspor/antrean.csv?fungsi=JALAN"' in page
        and 'href="/ekspor/antrean.xlsx?fungsi=JALAN"' in page
    )

    answer = operator.get("/ekspor/antrean.csv?fungsi=JALAN")
    assert answer.status_code == 200 and answer.headers["content-type"] == "text/csv; charset=utf-8"
    assert answer.headers["content-disposition"].startswith('attachment; filename="antrean-64.08-')
    assert answer.headers["cache-control"] == "no-store"
    text = answer.content.decode("utf-8")
    assert text.startswith("\ufeffNomor,Status,") and "Jalan berlubang di Sangatta" in text
    assert "Sampah menumpuk" not in text and text.count("\n") == 2  # the header and one report

    workbook = operator.get("/ekspor/antrean.xlsx?status=semua")
    assert workbook.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert int(workbook.headers["content-length"]) == len(workbook.content)
    sheet = openpyxl.load_workbook(io.BytesIO(workbook.content)).active
    assert sheet.max_row == 3 and {sheet.cell(row, 1).value for row in (2, 3)} >= {road}

    assert operator.get("/ekspor/antrean.pdf").status_code == 404
    assert operator.get("/ekspor/antrean.csv?status=entah").status_code == 400
    assert "Tautan sumber" not in console.client("pimpinan").get("/ekspor/antrean.csv").text


def test_the_inbox_and_the_audit_log_download_their_own(console, queued_report) -> None:  # type: ignore[no-untyped-def]
    report_id = queued_report(console.runtime, title="Jalan berlubang untuk PUPR")
    actions.approve(console.runtime, report_id, actor=OPERATOR, mode=actions.LaporMode.MANUAL)
    actions.record_tracking_id(console.runtime, report_id, "7300001", actor=OPERATOR)
    pupr = console.client("pupr")
    assert 'href="/ekspor/kotak-masuk.csv?tampil=perlu-tindakan"' in pupr.get("/kotak-masuk").text
    inbox = pupr.get("/ekspor/kotak-masuk.csv").text
    assert "Jalan berlubang untuk PUPR" in inbox and "7300001" in inbox
    assert "Jalan berlubang" not in console.client("dlh").get("/ekspor/kotak-masuk.csv").text

    manager = console.client("manajer")
    assert 'href="/ekspor/audit.csv?pelaku=uji' in manager.get("/audit?pelaku=uji").text
    log = manager.get("/ekspor/audit.csv?pelaku=uji").text
    assert "user:uji" in log and "user:manajer" not in log.split("\n", 2)[1]
    assert manager.get("/ekspor/audit.csv?dari=kemarin").status_code == 400
    # the exports themselves are in the log, with who made them
    assert "mengekspor daftar" in manager.get("/ekspor/audit.csv?pelaku=pupr").text
