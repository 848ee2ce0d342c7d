"""The dashboard page: the pimpinan's first page, its period form, figures that link to their reports, and a
period it cannot read."""

from __future__ import annotations

import re

from db.base import utcnow
from services import actions
from services.actions import Actor
from services.dashboard import quarter

OPERATOR = Actor("user:uji")


def test_the_dashboard_shows_the_quarter_and_links_each_figure(console, queued_report) -> None:  # type: ignore[no-untyped-def]
    forwarded = queued_report(console.runtime, title="Jalan berlubang untuk PUPR")
    actions.approve(console.runtime, forwarded, actor=OPERATOR, mode=actions.LaporMode.MANUAL)
    actions.record_tracking_id(console.runtime, forwarded, "7400001", actor=OPERATOR)
    queued_report(console.runtime, title="Sampah menumpuk", function="SAMPAH", agency="DLH")
    today = utcnow().date()
    this = quarter(today.year, (today.month - 1) // 3 + 1)

    pimpinan = console.client("pimpinan")
    page = pimpinan.get("/dasbor").text
    assert f"Periode: <strong>{this.label}</strong>" in page
    figure = r"<th scope=\"row\">Terdeteksi</th><td class=\"number\"><a href=\"([^\"]+)\">(\d+)</a>"
    terdeteksi = re.search(figure, page)
    assert terdeteksi and terdeteksi.group(2) == "2"
    link = terdeteksi.group(1).replace("&amp;", "&")
    assert link == f"/antrean?status=semua&dari={this.first.isoformat()}&sampai={this.last.isoformat()}"
    listed = pimpinan.get(link).text  # the figure's reports, in the queue
    assert "Jalan berlubang untuk PUPR" in listed and "Sampah menumpuk" in listed
    assert "Dinas PUPR" in page and "Sampah dan kebersihan" in page and "<svg" in page
    assert "Kesehatan sumber" in page and "belum dirayapi" in page  # no crawl has run in this test

    earlier = this.before()
    label = f"{earlier.first.year}Q{(earlier.first.month - 1) // 3 + 1}"
    before = pimpinan.get(f"/dasbor?triwulan={label}").text
    assert f"Periode: <strong>{earlier.label}</strong>" in before
    assert re.search(r"Terdeteksi</th><td class=\"number\"><a href=\"[^\"]+\">0</a>", before)
    days = pimpinan.get(f"/dasbor?dari={today.isoformat()}&sampai={today.isoformat()}").text
    assert f"{today:%d/%m/%Y} - {today:%d/%m/%Y}" in days
    narrowed = pimpinan.get("/dasbor?fungsi=SAMPAH").text
    found = re.search(figure, narrowed)
    assert found and found.group(2) == "1" and "fungsi=SAMPAH" in found.group(1)
    assert "Hanya laporan fungsi <strong>SAMPAH</strong>" in narrowed
    assert '<option value="SAMPAH" selected>' in narrowed
    assert pimpinan.get("/dasbor?opd=ENTAH").status_code == 400
    assert pimpinan.get("/dasbor?triwulan=2026Q9").status_code == 400
    assert pimpinan.get("/dasbor?dari=2026-11-01").status_code == 400
    elsewhere = console.client("operator-banjarbaru").get("/dasbor").text
    assert "Jalan berlubang" not in elsewhere and "Kota Banjarbaru" in elsewhere


def test_the_quarterly_report_downloads_from_the_dashboard(console, queued_report) -> None:  # type: ignore[no-untyped-def]
    queued_report(console.runtime, title="Jalan berlubang di Sangatta")
    today = utcnow().date()
    this = quarter(today.year, (today.month - 1) // 3 + 1)
    label = f"{this.first.year}Q{(this.first.month - 1) // 3 + 1}"
    pimpinan = console.client("pimpinan")
    assert f'href="/dasbor/laporan-triwulan.pdf?triwulan={label}"' in pimpinan.get("/dasbor").text
    pdf = pimpinan.get(f"/dasbor/laporan-triwulan.pdf?triwulan={label}")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    assert f'filename="laporan-triwulan-64.08-{label}.pdf"' in pdf.headers["content-disposition"]
    html = pimpinan.get(f"/dasbor/laporan-triwulan.html?triwulan={label}").text
    assert "Jalan berlubang di Sangatta" in html and this.label in html
    assert pimpinan.get("/dasbor/laporan-triwulan.docx").status_code == 404
    assert pimpinan.get("/dasbor/laporan-triwulan.pdf?triwulan=2026Q0").status_code == 400
    elsewhere = console.client("operator-banjarbaru").get(f"/dasbor/laporan-triwulan.html?triwulan={label}")
    assert "Jalan berlubang" not in elsewhere.text and "Kota Banjarbaru" in elsewhere.text
