"""The console in a real browser: the app served by uvicorn on 127.0.0.1 (a thread of this process) and
Debian's Chromium driven by Playwright. Shared by the browser tests' fixtures and the screenshot script.

Playwright is given the system's Chromium (``executable_path``); ``playwright install``, which downloads
browsers, is never needed. The server runs in a thread and the browser in the caller's thread: Playwright's
sync API must stay on one thread, and uvicorn runs its own event loop in its thread.
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import uvicorn
from playwright.sync_api import Browser, ConsoleMessage, Dialog, Page, Playwright, ViewportSize
from starlette.types import ASGIApp

if TYPE_CHECKING:
    from tests.web.conftest import Console

DEBIAN_CHROMIUM = Path("/usr/bin/chromium")
# headless on a server, as root, offline: no sandbox (root), no GPU, nothing that calls Google's services
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
PHONE: ViewportSize = {"width": 390, "height": 844}
START_SECONDS = 10.0


def chromium_executable() -> str | None:
    """Debian's Chromium (``apt-get install chromium``), or None when this machine has none."""
    found = shutil.which("chromium")
    if found:
        return found
    return str(DEBIAN_CHROMIUM) if DEBIAN_CHROMIUM.exists() else None


def launch_chromium(playwright: Playwright, executable: str) -> Browser:
    return playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)


def open_page(browser: Browser, base_url: str, *, on_phone: bool) -> Page:
    """A page in a context of its own (own cookies): desktop-sized, or a 390x844 touch phone."""
    context = browser.new_context(
        base_url=base_url,
        viewport=PHONE if on_phone else DESKTOP,
        is_mobile=on_phone,
        has_touch=on_phone,
        locale="id-ID",  # as the console's users see it: Indonesian, on Kutai Timur's clock (WITA)
        timezone_id="Asia/Makassar",
    )
    return context.new_page()


@contextmanager
def serving(app: ASGIApp) -> Iterator[str]:
    """``app`` served on a free port of 127.0.0.1 until the block ends; yields its base URL."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))  # the port is ours from here on: no race with another test run
    port = listener.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, lifespan="off", log_level="warning", access_log=False))
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [listener]}, name=f"console-{port}", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + START_SECONDS
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            listener.close()
            raise RuntimeError(f"the console did not start on 127.0.0.1:{port}")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(START_SECONDS)
        listener.close()


def log_in(page: Page, username: str, password: str) -> None:
    """Log in through the login form, as a person does, and wait for the role's landing page."""
    page.goto("/masuk")
    page.get_by_label("Nama pengguna").fill(username)
    page.get_by_label("Kata sandi").fill(password)
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_url(lambda url: not url.endswith("/masuk"))


@dataclass(frozen=True)
class Live:
    """The console served on ``url``, over the database and accounts of ``console`` (tests/web/conftest.py;
    ``console.runtime`` prepares what a test needs)."""

    url: str
    console: Console


@dataclass
class Seen:
    """What a page did besides showing itself: console errors (the browser reports every Content Security
    Policy violation there, e.g. an inline style or script of ours), uncaught script errors and dialogs
    (alert, confirm, prompt: each is dismissed)."""

    console_errors: list[str] = field(default_factory=list)
    script_errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def assert_nothing(self, where: str = "") -> None:
        """No dialog opened, no script failed and the browser reported no error (a CSP refusal is one)."""
        assert (self.dialogs, self.script_errors, self.console_errors) == ([], [], []), where

    def watch(self, page: Page) -> None:
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.script_errors.append(str(error)))
        page.on("dialog", self._dialog)

    def _console(self, message: ConsoleMessage) -> None:
        url = message.location.get("url", "?")
        if message.type == "error":
            self.console_errors.append(f"{message.text} ({url})")

    def _dialog(self, dialog: Dialog) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()
