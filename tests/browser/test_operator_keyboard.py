"""An operator works the review queue with the keyboard: approves one report, corrects and approves
another, merges two, rejects one, and reads the shortcuts' help, all in a real browser."""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import Page, expect
from sqlalchemy import select

from db.models import Issue, Report
from tests.browser.harness import Live, Seen

TITLES = (
    "Jalan berlubang di Poros Sangatta-Bengalon",
    "Lampu jalan padam di Sangatta Utara",
    "Drainase tersumbat di Teluk Lingga",
    "Drainase tersumbat lagi di Teluk Lingga",
    "Sampah menumpuk di pasar Sangatta",
)


def _current(page: Page) -> str | None:
    return page.locator('tr[data-report-id][aria-current="true"]').get_attribute("data-report-id")


def _go_to(page: Page, report_id: int) -> None:
    """Press j from the top of the queue until ``report_id`` is the current row."""
    for _ in range(20):
        page.keyboard.press("j")
        if _current(page) == str(report_id):
            return
    raise AssertionError(f"j never reached report #{report_id}")


def _report(live: Live, report_id: int) -> Report:
    with live.console.runtime.sessions() as session:
        report = session.scalars(select(Report).where(Report.id == report_id)).one()
        session.expunge(report)
        return report


def test_an_operator_approves_corrects_merges_and_rejects_with_the_keyboard(
    page: Page, live: Live, seen: Seen, login: Callable[[Page, str], None], queued_report: Callable[..., int]
) -> None:
    runtime = live.console.runtime
    approved, corrected, absorbed, kept, rejected = (queued_report(runtime, title=t) for t in TITLES)
    login(page, "operator")
    expect(page).to_have_url(re.compile(r"/antrean$"))

    _go_to(page, approved)  # a: approve the current row
    page.keyboard.press("a")
    expect(page.locator(f'section.bulk-outcomes li[data-outcome-for="{approved}"]')).to_be_visible()
    assert _report(live, approved).status == "approved"

    page.goto(f"{live.url}/antrean")  # o: open the report, correct its title, Enter approves
    _go_to(page, corrected)
    page.keyboard.press("o")
    expect(page).to_have_url(re.compile(rf"/laporan/{corrected}$"))
    title = page.get_by_label("Judul", exact=True)
    title.fill("")
    title.press_sequentially("Lampu PJU padam sepekan di Sangatta Utara")
    title.press("Enter")
    expect(page.locator("dl.lapor-fields")).to_contain_text("Lampu PJU padam sepekan di Sangatta Utara")
    report = _report(live, corrected)
    assert (report.status, report.judul) == ("approved", "Lampu PJU padam sepekan di Sangatta Utara")

    page.goto(f"{live.url}/antrean")  # x ticks a row; m merges the ticked into the current one
    _go_to(page, absorbed)
    page.keyboard.press("x")
    page.keyboard.press("j")
    assert _current(page) == str(kept)
    page.keyboard.press("m")
    expect(page.locator(f'section.bulk-outcomes li[data-outcome-for="{absorbed}"]')).to_be_visible()
    assert (_report(live, absorbed).status, _report(live, absorbed).reject_reason) == ("rejected", "duplikat")
    with runtime.sessions() as session:
        issue = session.get_one(Issue, _report(live, kept).issue_id)
        assert issue.mention_count == 2

    page.goto(f"{live.url}/antrean")  # r opens the reason choice; Enter rejects with the chosen reason
    _go_to(page, rejected)
    page.keyboard.press("r")
    reason = page.locator("details[data-reject] select")
    expect(reason).to_be_focused()
    reason.select_option("spam")
    page.keyboard.press("Enter")
    expect(page.locator(f'section.bulk-outcomes li[data-outcome-for="{rejected}"]')).to_be_visible()
    assert (_report(live, rejected).status, _report(live, rejected).reject_reason) == ("rejected", "spam")

    page.keyboard.press("?")  # ?: the shortcuts, closed with Escape
    expect(page.locator("dialog#pintasan")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("dialog#pintasan")).to_be_hidden()
    seen.assert_nothing()
