"""A crawl killed with SIGKILL at random moments loses nothing: the next crawl stores every listed article,
each exactly once, on SQLite and PostgreSQL.

Each round starts ``pantau crawl`` over slow local outlets and kills, at a random moment after its Scrapy
child started (the crawl takes a few seconds; a kill may also come after the end), either the whole
process group, the ``pantau crawl`` process alone (its Scrapy child must die with it), or the Scrapy child
alone (``pantau crawl`` must then say so in one line and exit non-zero). The seed is printed on failure.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from config.settings import PROJECT_ROOT, Settings, get_settings
from crawlers.localsite import SyntheticOutlets, serve_synthetic
from db.models import CrawlRun, CrawlRunStatus, Document, FrontierEntry, FrontierState
from db.session import make_engine
from flows.runtime import Runtime
from flows.setup import initialise

SITE = SyntheticOutlets(outlets=2, articles=30, delay=0.1)
ROUNDS = 6
PANTAU = [sys.executable, "-c", "import cli; cli.main()"]


@pytest.fixture
def slow_site() -> Iterator[str]:
    with serve_synthetic(SITE) as base_url:
        yield base_url


@pytest.fixture
def crash_env(
    settings: Settings, slow_site: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[dict[str, str]]:
    """The environment of a ``pantau`` process crawling the slow outlets into the test's database."""
    sources = tmp_path / "sources.yaml"
    entries = "".join(
        f"  - {{slug: s{i}, name: Outlet {i}, region: '64.08', platform: rss, "
        f"url: '{slow_site}/s{i}/feed.xml'}}\n"
        for i in range(SITE.outlets)
    )
    sources.write_text(f"sources:\n{entries}", encoding="utf-8")
    env = {
        **os.environ,
        "PANTAU_DATABASE_URL": settings.resolved_database_url,
        "PANTAU_VAR_DIR": str(settings.var_dir),
        "PANTAU_SOURCES_FILE": str(sources),
        "PANTAU_DOWNLOAD_DELAY": "0",
        "PANTAU_FRONTIER_RETRY_MINUTES": "0",  # a page that failed in a killed crawl is due at once
        "PANTAU_EXTRACTION_WORKERS": "1",
    }
    monkeypatch.setenv("PANTAU_SOURCES_FILE", str(sources))
    get_settings.cache_clear()
    runtime = Runtime(get_settings())
    initialise(runtime)
    runtime.close()
    yield env


def _children(pid: int) -> list[int]:
    """The direct children of ``pid`` (read from /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[-1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _wait_gone(pids: list[int], seconds: float = 15.0) -> list[int]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and any(_alive(p) for p in pids):
        time.sleep(0.05)
    return [p for p in pids if _alive(p)]


def _crawl_child(pid: int) -> int | None:
    """The Scrapy child (``python -m crawlers.run``) of a ``pantau crawl`` process, once it runs."""
    for child in _children(pid):
        try:
            if b"crawlers.run" in Path(f"/proc/{child}/cmdline").read_bytes():
                return child
        except OSError:
            continue
    return None


def _kill_round(
    env: dict[str, str], rng: random.Random, how: str, listed: Callable[[], int] | None = None
) -> str:
    """Start ``pantau crawl``, kill it ``how`` at a random moment; returns what the survivor printed.

    With ``listed`` (the number of frontier entries), the moment is drawn within the fetching itself: right
    after the entry pages were admitted to the frontier, while the articles are still being fetched, so the
    kill certainly meets a running crawl (otherwise a fast machine may finish every crawl before its kill)."""
    process = subprocess.Popen(
        [*PANTAU, "crawl"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120  # the moment is random within the crawl, not within start-up
    while _crawl_child(process.pid) is None and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    if listed is None:
        time.sleep(rng.uniform(0.0, 4.0))
    else:
        while listed() == 0 and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(rng.uniform(0.0, 0.2))
    family = [process.pid, *_children(process.pid)]
    family += [grandchild for child in family[1:] for grandchild in _children(child)]
    child = _crawl_child(process.pid)
    if how == "child" and child is not None:
        os.kill(child, signal.SIGKILL)
    elif how == "parent":
        os.kill(process.pid, signal.SIGKILL)
    else:
        os.killpg(process.pid, signal.SIGKILL)
    out, err = process.communicate(timeout=60)
    survivors = _wait_gone(family)
    assert not survivors, f"processes outlived the kill ({how}): {survivors}"
    if how == "child" and child is not None and process.returncode != 0:
        assert "Traceback" not in err, err
        assert len([line for line in (out + err).splitlines() if line.strip()]) == 1, out + err
    return out + err


@pytest.mark.slow
def test_killed_crawls_lose_nothing_and_store_each_article_once(
    crash_env: dict[str, str], settings: Settings
) -> None:
    seed = random.randrange(1_000_000)
    rng = random.Random(seed)
    kinds = ["group", "parent", "child"]
    engine = make_engine(settings.resolved_database_url)

    def listed() -> int:
        with engine.connect() as connection:
            return int(connection.scalar(select(func.count()).select_from(FrontierEntry)) or 0)

    try:
        for round_number in range(ROUNDS):
            # the first kill comes while the articles are being fetched; the others at any moment
            _kill_round(
                crash_env, rng, kinds[round_number % len(kinds)], listed if round_number == 0 else None
            )
    finally:
        engine.dispose()

    final = subprocess.run(
        [*PANTAU, "crawl"], cwd=PROJECT_ROOT, env=crash_env, capture_output=True, text=True, timeout=300
    )
    assert final.returncode == 0, f"seed {seed}: {final.stdout}{final.stderr}"

    runtime = Runtime(settings)
    with runtime.sessions() as session:
        urls = session.scalars(select(Document.canonical_url)).all()
        runs = session.scalars(select(CrawlRun).order_by(CrawlRun.id)).all()
        unsettled = session.scalar(
            select(func.count()).select_from(FrontierEntry).where(FrontierEntry.state != FrontierState.STORED)
        )
    runtime.close()
    stored = Counter(urlsplit(url).path for url in urls)
    listed = {SITE.article_path(o, a) for o in range(SITE.outlets) for a in range(SITE.articles)}
    assert set(stored) == listed, f"seed {seed}: missing {sorted(listed - set(stored))[:5]}"
    assert max(stored.values()) == 1, f"seed {seed}: stored more than once: {stored.most_common(3)}"
    assert unsettled == 0, f"seed {seed}: {unsettled} frontier entries not stored"
    statuses = [run.status for run in runs]
    assert CrawlRunStatus.RUNNING not in statuses, f"seed {seed}: {statuses}"
    assert statuses[-1] == CrawlRunStatus.SUCCEEDED
    assert CrawlRunStatus.INTERRUPTED in statuses, f"seed {seed}: no kill hit a running crawl: {statuses}"
