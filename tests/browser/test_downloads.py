"""Downloads in a real browser: an operator filters the queue, downloads it as XLSX and as CSV, and gets
the filtered reports in files a spreadsheet program opens."""

from __future__ import annotations

import csv
import re
from collections.abc import Callable
from pathlib import Path

import openpyxl
from playwright.sync_api import Page, expect

from tests.browser.harness import Live, Seen


def test_an_operator_downloads_the_filtered_queue(
    page: Page,
    live: Live,
    seen: Seen,
    login: Callable[[Page, str], None],
    queued_report: Callable[..., int],
    tmp_path: Path,
) -> None:
    road = queued_report(live.console.runtime, title="Jalan berlubang di Sangatta")
    queued_report(live.console.runtime, title="Sampah menumpuk", function="SAMPAH", agency="DLH")
    login(page, "operator")
    page.get_by_label("Fungsi").select_option("JALAN")
    expect(page).to_have_url(re.compile(r"fungsi=JALAN"))  # HTMX swapped the rows and the links
    with page.expect_download() as waiting:
        page.locator(".downloads").get_by_role("link", name="XLSX").first.click()
    download = waiting.value
    assert re.fullmatch(r"antrean-64\.08-\d{8}-\d{4}\.xlsx", download.suggested_filename)
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    sheet = openpyxl.load_workbook(saved).active
    assert [[cell.value for cell in row][:1] for row in sheet.iter_rows(min_row=2)] == [[road]]
    with page.expect_download() as waiting:
        page.locator(".downloads").get_by_role("link", name="CSV").first.click()
    waiting.value.save_as(tmp_path / "antrean.csv")
    rows = list(csv.reader((tmp_path / "antrean.csv").open(encoding="utf-8-sig")))
    assert [row[0] for row in rows] == ["Nomor", str(road)]
    seen.assert_nothing()
