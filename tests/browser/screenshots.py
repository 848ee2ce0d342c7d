"""Screenshots of the console's main pages on the demo's data, as each role sees them:
``python -m tests.browser.screenshots OUTDIR`` (the repository keeps them in docs/screenshots/).

Runs ``pantau demo`` into a temporary folder (SQLite, offline), serves the console over that database on
127.0.0.1 and photographs it in Debian's Chromium: the login page, the operator's queue and a queued report,
an OPD liaison's inbox and the first report in it on a phone, the pimpinan's dashboard and quarterly report
(its HTML form, as the PDF is made from it), and every page of the manager's menu that
answers 200 (the others are named as skipped).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Browser, FloatRect, Page, sync_playwright

from cli.console_commands import DEMO_ACCOUNTS, DEMO_PASSWORD
from config.settings import PROJECT_ROOT, get_settings
from flows.runtime import Runtime
from services.reports import QueueFilter, queue_view
from tests.browser.harness import chromium_executable, launch_chromium, log_in, open_page, serving
from web.app import create_app

REGION = "64.08"  # the demo's region
MAX_HEIGHT = 2400  # px: a long page is cut there (the top of a page tells what it is)


def run_demo(var_dir: Path) -> None:
    """``pantau demo`` as a user runs it on a fresh machine, into ``var_dir``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PANTAU_", "PREFECT_"))}
    env["PANTAU_VAR_DIR"] = str(var_dir)
    done = subprocess.run(
        [sys.executable, "-m", "cli", "demo"], env=env, cwd=PROJECT_ROOT, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SystemExit(f"pantau demo failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")


@contextmanager
def demo_console(var_dir: Path) -> Iterator[tuple[str, Runtime]]:
    """The console over the demo's database, served on 127.0.0.1 (settings as ``pantau serve`` reads them
    after ``make demo``): its URL and runtime."""
    for name in [k for k in os.environ if k.startswith("PANTAU_")]:
        del os.environ[name]
    os.environ["PANTAU_VAR_DIR"] = str(var_dir)  # the rest as `pantau serve` after `make demo`
    get_settings.cache_clear()
    settings = get_settings()
    runtime = Runtime(settings)
    try:
        with serving(create_app(settings, runtime)) as url:
            yield url, runtime
    finally:
        runtime.close()


def account_of(role: str) -> str:
    return next(username for username, account_role, _ in DEMO_ACCOUNTS if account_role == role)


def first_queued_report(runtime: Runtime) -> int:
    rows = queue_view(runtime, QueueFilter(region_code=REGION, status="queued")).rows
    if not rows:
        raise SystemExit("the demo queued no report")
    return int(rows[0]["id"])


class Photographer:
    """Saves PNGs of the console's pages into ``outdir`` (the whole page, cut at ``MAX_HEIGHT``), one
    browser context (own login) per role; a page that does not answer 200 is noted as skipped."""

    def __init__(self, browser: Browser, url: str, outdir: Path) -> None:
        self.browser, self.url, self.outdir = browser, url, outdir
        self.saved: list[Path] = []
        self.skipped: list[str] = []

    def session(self, username: str | None, *, on_phone: bool = False) -> Page:
        page = open_page(self.browser, self.url, on_phone=on_phone)
        if username is not None:
            log_in(page, username, DEMO_PASSWORD)
        return page

    def shoot(self, page: Page, path: str, name: str) -> None:
        answer = page.goto(path)
        status = answer.status if answer else 0
        if status != 200:
            self.skipped.append(f"{path} ({status})")
            return
        self._save(page, name)

    def shoot_download(self, page: Page, path: str, name: str) -> None:
        """An HTML download (served as an attachment, which the browser would save, not show), shown in a
        page of the same session."""
        answer = page.request.get(path)
        if answer.status != 200:
            self.skipped.append(f"{path} ({answer.status})")
            return
        page.set_content(answer.text())
        self._save(page, name)

    def _save(self, page: Page, name: str) -> None:
        target = self.outdir / f"{name}.png"
        height = min(page.evaluate("document.documentElement.scrollHeight"), MAX_HEIGHT)
        width = page.evaluate("document.documentElement.clientWidth")
        clip: FloatRect = {"x": 0, "y": 0, "width": width, "height": height}
        page.screenshot(path=target, full_page=True, clip=clip)
        self.saved.append(target)


def first_report_link(page: Page) -> str:
    link = page.locator("main a[href^='/laporan/']").first.get_attribute("href")
    assert link is not None
    return link


def liaison_with_reports(camera: Photographer) -> Page:
    """A demo OPD liaison's page, logged in, of one whose inbox lists a report."""
    for username, role, _ in DEMO_ACCOUNTS:
        if role == "opd":
            page = camera.session(username, on_phone=True)
            if page.locator("main a[href^='/laporan/']").count():
                return page
            page.context.close()
    raise SystemExit("the demo forwarded no report to an OPD with a demo account")


def photograph(browser: Browser, url: str, runtime: Runtime, outdir: Path) -> Photographer:
    camera = Photographer(browser, url, outdir)
    visitor = camera.session(None)
    camera.shoot(visitor, "/masuk", "login")

    operator = camera.session(account_of("operator"))
    camera.shoot(operator, "/antrean", "antrean-operator")
    camera.shoot(operator, f"/laporan/{first_queued_report(runtime)}", "laporan-operator")

    phone = liaison_with_reports(camera)
    camera.shoot(phone, "/kotak-masuk", "kotak-masuk-opd-ponsel")
    camera.shoot(phone, first_report_link(phone), "laporan-opd-ponsel")

    pimpinan = camera.session(account_of("pimpinan"))
    camera.shoot(pimpinan, "/dasbor", "dasbor-pimpinan")
    camera.shoot_download(pimpinan, "/dasbor/laporan-triwulan.html", "laporan-triwulan")

    manager = camera.session(account_of("manager"))
    menu = manager.locator("nav.areas a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    for path in menu:
        if path not in ("/antrean", "/dasbor"):  # photographed above
            camera.shoot(manager, path, f"manajer-{path.strip('/').replace('/', '-')}")
    return camera


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("outdir", type=Path, help="where the PNGs go (docs/screenshots in the repository)")
    outdir: Path = parser.parse_args(argv).outdir.resolve()
    executable = chromium_executable()
    if executable is None:
        raise SystemExit("Chromium is not installed: apt-get install -y chromium")
    outdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="pantau-screenshots-") as folder:
        var_dir = Path(folder) / "var"
        print("pantau demo ...", flush=True)
        run_demo(var_dir)
        with demo_console(var_dir) as (url, runtime), sync_playwright() as playwright:
            browser = launch_chromium(playwright, executable)
            try:
                camera = photograph(browser, url, runtime, outdir)
            finally:
                browser.close()
    for path in camera.saved:
        print(f"saved {path}")
    for page in camera.skipped:
        print(f"skipped {page}: not 200")


if __name__ == "__main__":
    main()
