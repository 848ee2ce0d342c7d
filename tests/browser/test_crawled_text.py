"""Crawled text is untrusted: a ``<script>``, an ``<img onerror>`` or a ``javascript:`` link in an article
never runs in the console, for the operator nor for the OPD liaison; it is shown as the text it is."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page, Response, expect
from sqlalchemy import select

from db.models import Document, Report
from db.session import transaction
from tests.browser.harness import Live, Seen

SCRIPT = "<script>window.__pwned=1</script>"
IMG = '<img src=x onerror="window.__pwned=2">'
LINK = '<a href="javascript:window.__pwned=3">foto</a>'
TITLE = f"Jalan {SCRIPT}{IMG} rusak {LINK}"
TEXT = f"Warga melapor {SCRIPT} jalan berlubang {IMG} di Bengalon, lihat {LINK}."
SOURCE = "javascript:window.__pwned=4"
# what our own markup must never hold: each would be refused by the CSP (and reported), or run without it
OUR_MARKUP_BREAKS = {
    "an inline script": "script:not([src])",
    "a style attribute": "[style]",
    "an inline <style>": "style",
    "a javascript: link": "a[href^='javascript:' i]",
    "the crawled image": "img[src='x']",
}
HANDLER_ATTRIBUTES = "[...document.querySelectorAll('*')].flatMap(e => [...e.attributes].map(a => a.name))"


def _with_javascript_source(live: Live, report_id: int) -> None:
    """The article's own address is a ``javascript:`` URL too (a feed can say anything)."""
    with transaction(live.console.runtime.sessions) as session:
        report = session.get_one(Report, report_id)
        report.source_links = [SOURCE]
        for document in session.scalars(select(Document)):
            document.url = SOURCE


def _assert_inert(page: Page, answer: Response | None, seen: Seen) -> None:
    assert answer is not None and answer.ok, answer
    assert "script-src 'self'" in answer.headers["content-security-policy"]
    assert page.evaluate("typeof window.__pwned") == "undefined"
    for what, selector in OUR_MARKUP_BREAKS.items():
        assert page.locator(selector).count() == 0, f"{what} on {page.url}"
    handlers = [name for name in page.evaluate(HANDLER_ATTRIBUTES) if name.startswith("on")]
    assert handlers == [], f"event handler attributes on {page.url}"
    expect(page.get_by_text(SCRIPT).first).to_be_visible()  # shown as text, tags and all
    expect(page.get_by_text(IMG).first).to_be_visible()
    seen.assert_nothing(page.url)


def test_a_script_in_a_crawled_article_never_runs(
    page: Page,
    phone: Page,
    live: Live,
    seen: Seen,
    login: Callable[[Page, str], None],
    queued_report: Callable[..., int],
    forwarded_report: Callable[..., int],
) -> None:
    queued = queued_report(live.console.runtime, title=TITLE, text=TEXT)
    _with_javascript_source(live, queued)
    login(page, "operator")
    _assert_inert(page, page.goto("/antrean"), seen)
    _assert_inert(page, page.goto(f"/laporan/{queued}"), seen)
    expect(page.get_by_text(LINK).first).to_be_visible()

    forwarded = forwarded_report(live.console.runtime, title=TITLE, text=TEXT)
    login(phone, "pupr")
    _assert_inert(phone, phone.goto("/kotak-masuk"), seen)
    _assert_inert(phone, phone.goto(f"/laporan/{forwarded}"), seen)

    # and the guard above can fail: a script the page did not bring is refused, and the refusal is reported
    phone.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.__pwned = 5'; document.body.append(s); }"
    )
    assert phone.evaluate("typeof window.__pwned") == "undefined"
    assert any("Content Security Policy" in error for error in seen.console_errors), seen.console_errors
