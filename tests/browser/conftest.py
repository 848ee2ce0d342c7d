"""Browser tests: the console of the ``console`` fixture (tests/web/conftest.py: the real app over SQLite and
PostgreSQL, one account per role) served by uvicorn on 127.0.0.1, driven by Debian's Chromium through
Playwright. Without Chromium the tests skip with the reason, except with CI=true, where that is a failure
(``.ci/run`` installs the package when it is missing)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, Page, Playwright, sync_playwright

from config.schema import LaporMode
from flows.runtime import Runtime
from services import actions
from services.actions import Actor
from tests.browser.harness import (
    Live,
    Seen,
    chromium_executable,
    launch_chromium,
    log_in,
    open_page,
    serving,
)
from tests.conftest import IN_CI

# the console fixture itself: the app, its accounts and its runtime, shared with the ASGI tests
# the console fixture and its database (SQLite, as tests/web: the services are tested on both databases)
from tests.web.conftest import (  # noqa: F401  (fixtures, used by name)
    PASSWORD,
    Console,
    console,
    database_url,
)


@pytest.fixture(scope="session")
def chromium() -> str:
    executable = chromium_executable()
    if executable is None:
        message = "Chromium is not installed (apt-get install -y chromium): browser tests need it"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return executable


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def browser(playwright: Playwright, chromium: str) -> Iterator[Browser]:
    """One headless Chromium per test module; each test gets its own context (cookies, viewport)."""
    launched = launch_chromium(playwright, chromium)
    yield launched
    launched.close()


@pytest.fixture
def live(console: Console) -> Iterator[Live]:  # noqa: F811  (the imported fixture, requested by name)
    with serving(console.client().app) as url:
        yield Live(url, console)


def _page(browser: Browser, live: Live, seen: Seen, *, on_phone: bool) -> Page:
    page = open_page(browser, live.url, on_phone=on_phone)
    seen.watch(page)
    return page


@pytest.fixture
def seen() -> Seen:
    """What the test's pages did besides showing themselves: console errors, script errors, dialogs."""
    return Seen()


@pytest.fixture
def page(browser: Browser, live: Live, seen: Seen) -> Iterator[Page]:
    """A desktop-sized page of its own (own cookies) on the live console."""
    opened = _page(browser, live, seen, on_phone=False)
    yield opened
    opened.context.close()


@pytest.fixture
def phone(browser: Browser, live: Live, seen: Seen) -> Iterator[Page]:
    """A phone-sized page (390x844, touch) of its own on the live console."""
    opened = _page(browser, live, seen, on_phone=True)
    yield opened
    opened.context.close()


@pytest.fixture
def login() -> Callable[[Page, str], None]:
    """``login(page, "operator")``: log in through the form as one of the console fixture's accounts."""

    def as_account(page: Page, username: str) -> None:
        log_in(page, username, PASSWORD)

    return as_account


@pytest.fixture
def forwarded_report(queued_report: Callable[..., int]) -> Callable[..., int]:
    """``forwarded_report(runtime, title=..., text=...)``: a report of region 64.08 approved for assisted
    entry, its LAPOR! tracking ID recorded, and so forwarded to PUPR; returns its id."""

    def forward(runtime: Runtime, **draft: str) -> int:
        report_id = queued_report(runtime, **draft)
        operator = Actor("user:uji")
        actions.approve(runtime, report_id, actor=operator, mode=LaporMode.MANUAL)
        actions.record_tracking_id(runtime, report_id, f"{7000000 + report_id}", actor=operator)
        return report_id

    return forward
