"""The dashboard in a real browser: a pimpinan lands on it, reads the figures, follows one to the reports
behind it, downloads the quarterly report as PDF and changes the quarter; nothing on the page breaks the
CSP."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.harness import Live, Seen


def test_a_pimpinan_reads_the_dashboard_and_follows_a_figure(
    page: Page, live: Live, seen: Seen, login: Callable[[Page, str], None], queued_report: Callable[..., int]
) -> None:
    queued_report(live.console.runtime, title="Jalan berlubang di Sangatta")
    queued_report(live.console.runtime, title="Sampah menumpuk", function="SAMPAH", agency="DLH")
    login(page, "pimpinan")
    expect(page).to_have_url(re.compile(r"/dasbor$"))
    expect(page.get_by_role("heading", name="Alur penanganan")).to_be_visible()
    detected = page.locator("tr", has=page.locator("th", has_text="Terdeteksi")).get_by_role("link")
    expect(detected).to_have_text("2")
    expect(page.locator("svg.trend rect")).not_to_have_count(0)
    # a bar is as long as its number (2 detected, none reviewed yet), on no background of its own
    funnel = page.locator("section[aria-labelledby=alur] svg.figure-bar")
    assert funnel.first.evaluate("svg => getComputedStyle(svg).backgroundColor") == "rgba(0, 0, 0, 0)"
    widths = funnel.locator("rect").evaluate_all("bars => bars.map(r => r.getBoundingClientRect().width)")
    assert widths[0] == 160 and widths[1] == 0
    sampah = page.locator("tr", has=page.locator("th", has_text="Sampah dan kebersihan")).get_by_role("link")
    sampah.click()
    expect(page).to_have_url(re.compile(r"/antrean\?status=semua&fungsi=SAMPAH&dari="))
    expect(page.locator("#antrean-baris")).to_contain_text("Sampah menumpuk")
    expect(page.locator("#antrean-baris")).not_to_contain_text("Jalan berlubang")
    page.go_back()
    with page.expect_download() as waiting:
        page.locator(".downloads").get_by_role("link", name="PDF").click()
    assert re.fullmatch(r"laporan-triwulan-64\.08-\d{4}Q[1-4]\.pdf", waiting.value.suggested_filename)
    assert Path(waiting.value.path()).read_bytes().startswith(b"%PDF-")
    page.get_by_label("Triwulan").select_option(index=1)
    page.get_by_role("button", name="Tampilkan").first.click()
    expect(detected).to_have_text("0")
    seen.assert_nothing()
