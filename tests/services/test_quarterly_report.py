"""The quarterly report to the Bupati: its PDF's pages and text (read back with pypdf), the same figures as
the dashboard, crawled text escaped in the HTML, and ``pantau report quarterly`` writing the file where asked
or in the current folder."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader
from typer.testing import CliRunner

import cli
from db.models import Report
from services import quarterly_report as quarterly
from services.dashboard import quarter
from services.quarterly_report import UnknownRegion

runner = CliRunner()


def _in_q4(desk, **details: object) -> int:  # type: ignore[no-untyped-def]
    report_id = int(desk.report(**details))
    with desk.runtime.sessions() as session:
        session.get_one(Report, report_id).queued_at = datetime(2026, 10, 7, 2, 0, tzinfo=UTC)
        session.commit()
    return report_id


def _text(pdf: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(pdf))
    words = " ".join(page.extract_text() for page in reader.pages).split()
    return len(reader.pages), " ".join(words)  # lines wrap where the page is narrow


def test_the_pdf_holds_the_quarter_in_bahasa_indonesia(desk) -> None:  # type: ignore[no-untyped-def]
    _in_q4(desk, title="Jalan berlubang di Sangatta Utara")
    _in_q4(desk, title="Sampah menumpuk di pasar", function="SAMPAH", agency="DLH")
    report = quarterly.quarterly_report(desk.runtime, "64.08", quarter(2026, 4))
    assert report.figures.total == 2
    pages, text = _text(quarterly.render_pdf(report))
    assert pages >= 2
    for words in (
        "Laporan Triwulan Pengelolaan Pengaduan Pelayanan Publik",
        "Kabupaten Kutai Timur",
        "Triwulan 4 2026",
        "Triwulan 3 2026",
        "Alur penanganan",
        "Kepatuhan tenggat tindak lanjut per OPD",
        "Jalan berlubang di Sangatta Utara",
        "Sampah dan kebersihan",
        "Halaman 1 dari",
    ):
        assert words in text, words
    assert quarterly.file_name(report, "64.08", "pdf") == "laporan-triwulan-64.08-2026Q4.pdf"
    with pytest.raises(UnknownRegion):
        quarterly.quarterly_report(desk.runtime, "99.99", quarter(2026, 4))


def test_crawled_text_is_escaped_in_the_report(desk) -> None:  # type: ignore[no-untyped-def]
    _in_q4(desk, title='Jalan rusak <script>alert("x")</script>')
    html = quarterly.render_html(quarterly.quarterly_report(desk.runtime, "64.08", quarter(2026, 4)))
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_pantau_report_quarterly_writes_the_file(desk, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    _in_q4(desk, title="Jalan berlubang di Sangatta Utara")
    target = tmp_path / "triwulan.html"
    args = ["report", "quarterly", "--region", "64.08", "--quarter", "2026Q4", "--format", "html"]
    result = runner.invoke(cli.app, [*args, "--output", str(target)])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == str(target) and "Jalan berlubang di Sangatta Utara" in target.read_text()
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(cli.app, ["report", "quarterly", "--region", "64.08", "--quarter", "2026q4"])
    assert result.exit_code == 0, result.output
    written = tmp_path / "laporan-triwulan-64.08-2026Q4.pdf"
    assert result.stdout.strip() == str(written) and written.read_bytes().startswith(b"%PDF-")
    for wrong, says in (
        (["--region", "64.08", "--quarter", "2026Q7"], "triwulan"),
        (["--region", "99.99"], "tidak dikenal"),
        (["--quarter", "2026Q4"], "perlu --region"),
        (["--region", "64.08", "--format", "docx"], "pdf atau html"),
    ):
        failed = runner.invoke(cli.app, ["report", "quarterly", *wrong])
        assert failed.exit_code == 2 and failed.stderr.startswith("Galat: ") and says in failed.stderr
    assert "bukan nomor laporan" in runner.invoke(cli.app, ["report", "kemarin"]).stderr
