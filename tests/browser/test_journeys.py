"""The console's main journeys in a real browser: an operator approves a report for assisted entry and
records its LAPOR! tracking ID; an OPD liaison acknowledges a report on a phone."""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import Locator, Page, expect

from tests.browser.harness import Live, Seen

TITLE = "Jalan berlubang di Poros Sangatta-Bengalon"


def fact(page: Page, name: str) -> Locator:
    """The value of one of the report's facts ("Status", "Nomor tracking LAPOR!")."""
    return page.locator(f"dl.facts dt:text-is('{name}') + dd")


def test_an_operator_approves_for_manual_entry_and_records_the_tracking_id(
    page: Page, live: Live, seen: Seen, login: Callable[[Page, str], None], queued_report: Callable[..., int]
) -> None:
    report_id = queued_report(live.console.runtime, title=TITLE)
    login(page, "operator")
    expect(page).to_have_url(re.compile(r"/antrean$"))
    item = page.locator(f"a[href='/laporan/{report_id}']")
    expect(item).to_contain_text(TITLE)
    item.click()
    expect(page).to_have_url(re.compile(rf"/laporan/{report_id}$"))
    expect(fact(page, "Status")).to_contain_text("menunggu tinjauan")
    page.get_by_label("Input manual ke LAPOR!").check()
    page.get_by_role("button", name="Setujui").click()

    expect(fact(page, "Status")).to_contain_text("siap diinput")
    # each LAPOR! field is copied as it is shown, and the button says so
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live.url)
    judul = page.locator("#lapor-judul").inner_text()
    assert TITLE in judul
    copy = page.locator("button[data-copy='#lapor-judul']")
    page.wait_for_load_state("load")  # copy.js (deferred) listens for the click once it has run
    copy.click()
    expect(copy).to_have_text("Tersalin")
    assert page.evaluate("navigator.clipboard.readText()") == judul
    page.locator("details:has(#lapor-semua) summary").click()
    page.locator("button[data-copy='#lapor-semua']").click()
    assert page.evaluate("navigator.clipboard.readText()") == page.locator("#lapor-semua").inner_text()
    page.get_by_label("Nomor tracking dari LAPOR!").fill("7000123")
    page.get_by_role("button", name="Catat").click()
    expect(fact(page, "Nomor tracking LAPOR!")).to_have_text("7000123")
    expect(fact(page, "Status")).to_contain_text("didisposisikan")
    seen.assert_nothing()


def test_an_opd_liaison_acknowledges_on_a_phone(
    phone: Page,
    live: Live,
    seen: Seen,
    login: Callable[[Page, str], None],
    forwarded_report: Callable[..., int],
) -> None:
    report_id = forwarded_report(live.console.runtime, title=TITLE)
    login(phone, "pupr")
    expect(phone).to_have_url(re.compile(r"/kotak-masuk$"))
    item = phone.locator(f"a[href='/laporan/{report_id}']")
    expect(item).to_contain_text(TITLE)
    item.tap()
    expect(phone).to_have_url(re.compile(rf"/laporan/{report_id}$"))
    phone.get_by_role("button", name="Terima").tap()
    expect(fact(phone, "Status")).to_contain_text("diterima OPD")
    expect(phone.get_by_role("button", name="Terima")).to_have_count(0)
    expect(phone.get_by_role("button", name="Kirim tindak lanjut")).to_be_visible()
    wider = phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert wider <= 0, f"the report page is {wider}px wider than a phone"
    seen.assert_nothing()
