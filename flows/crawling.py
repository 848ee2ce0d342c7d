"""Crawl service: record a CrawlRun, run Scrapy in a child process, store its counters.

A run records the host and pid of the process that owns it. A run left ``running`` by a process that died
(killed, machine restarted) is marked ``interrupted`` by the next crawl or health check
(``mark_interrupted_runs``); what it listed but did not store is still pending in the frontier.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from sqlalchemy import select
from sqlalchemy.orm import Session

from config.errors import PantauError
from config.settings import PROJECT_ROOT, Settings
from crawlers.run import EXIT_STORE_UNAVAILABLE
from db.base import utcnow
from db.models import CrawlRun, CrawlRunStatus
from db.session import transaction
from flows.runtime import Runtime


class CrawlFailed(PantauError):
    """The crawl process failed as a whole (not one page: those are counted); the message is one line."""


HOST = socket.gethostname()[:255]


def process_alive(pid: int) -> bool:
    """Whether process ``pid`` of this host still runs (a zombie does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[-1].split()[:1] != ["Z"]


def mark_interrupted_runs(session: Session, settings: Settings) -> int:
    """Mark ``interrupted`` every run still ``running`` whose owner is gone: a dead process of this host, or
    on another host, a run older than the crawl timeout (with ten minutes' grace). Returns how many."""
    now = utcnow()
    grace = settings.crawl_timeout_seconds + 600
    marked = 0
    for run in session.scalars(select(CrawlRun).where(CrawlRun.status == CrawlRunStatus.RUNNING)):
        if run.host == HOST and run.pid is not None:
            gone = not process_alive(run.pid)
        else:
            gone = (now - run.started_at).total_seconds() > grace
        if gone:
            run.status = CrawlRunStatus.INTERRUPTED
            run.finished_at = now
            run.error = "proses crawl berhenti sebelum selesai (dibunuh atau mesin mati)"
            marked += 1
    return marked


def _one_line(text: str) -> str:
    """The last non-empty line of ``text``: a child's error, not its log."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1][:500] if lines else ""


@dataclass
class ChildResult:
    """How a crawl child ended: its counters per source, and what went wrong if anything did."""

    stats: dict[str, dict[str, Any]]
    error: str | None = None
    status: CrawlRunStatus = CrawlRunStatus.SUCCEEDED


def _ended(returncode: int, stderr: str, stats: dict[str, dict[str, Any]]) -> ChildResult:
    if returncode < 0:
        name = signal.Signals(-returncode).name if -returncode in signal.valid_signals() else "?"
        error = f"proses crawl dihentikan oleh sinyal {-returncode} ({name})"
        return ChildResult(stats, error, CrawlRunStatus.INTERRUPTED)
    if returncode == EXIT_STORE_UNAVAILABLE:
        error = f"basis data tidak tersedia saat crawl: {_one_line(stderr)}"
    else:
        error = f"proses crawl keluar dengan kode {returncode}: {_one_line(stderr) or 'tanpa pesan'}"
    return ChildResult(stats, error, CrawlRunStatus.FAILED)


@dataclass
class CrawlSummary:
    run_id: int
    sources: list[str]
    pages_fetched: int = 0
    stored: int = 0
    quarantined: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    failed: Counter[str] = field(default_factory=Counter)
    given_up: int = 0  # articles that failed their last attempt this crawl
    seconds: float = 0.0

    @classmethod
    def combined(cls, parts: list[CrawlSummary]) -> CrawlSummary:
        """One summary of crawls that ran side by side (their run ids and sources joined)."""
        total = cls(run_id=parts[0].run_id, sources=[s for p in parts for s in p.sources])
        for part in parts:
            total.pages_fetched += part.pages_fetched
            total.stored += part.stored
            total.quarantined += part.quarantined
            total.skipped.update(part.skipped)
            total.failed.update(part.failed)
            total.given_up += part.given_up
            total.seconds = max(total.seconds, part.seconds)
        return total


def batches(sources: list[str], size: int) -> list[list[str]]:
    """``sources`` in crawl batches of at most ``size`` (each batch is one crawl process)."""
    return [sources[i : i + size] for i in range(0, len(sources), size)]


def settings_environment(settings: Settings) -> dict[str, str]:
    """The ``PANTAU_*`` variables that reproduce ``settings`` in a child process."""
    env = {}
    for name, value in settings.model_dump().items():
        secret = value.get_secret_value() if isinstance(value, SecretStr) else value
        env[f"PANTAU_{name.upper()}"] = str(secret)
    env["PANTAU_DATABASE_URL"] = settings.resolved_database_url
    return env


def summarise(
    run_id: int, sources: list[str], stats: dict[str, dict[str, Any]], seconds: float
) -> CrawlSummary:
    summary = CrawlSummary(run_id=run_id, sources=sources, seconds=seconds)
    for per_source in stats.values():
        summary.pages_fetched += int(per_source.get("response_received_count", 0))
        for key, value in per_source.items():
            parts = key.split("/")
            if key == "pantau/persist/ok":
                summary.stored += value
            elif key == "pantau/persist/quarantined":
                summary.quarantined += value
            elif key == "pantau/not_modified":
                summary.skipped["not_modified"] += value
            elif parts[:2] == ["pantau", "dedupe"] or key == "pantau/persist/duplicate":
                summary.skipped[parts[-1]] += value
            elif parts[:2] == ["pantau", "fetch_failed"] or parts[:3] == ["pantau", "persist", "failed"]:
                summary.failed[parts[-1]] += value
            elif key == "pantau/frontier/given_up":
                summary.given_up += value
    return summary


def _run_crawl_process(runtime: Runtime, sources: list[str], tmp: Path, extra: list[str]) -> ChildResult:
    """Run ``python -m crawlers.run`` for ``sources``: per-source counters, or the error that stopped it."""
    stats_file = tmp / "stats.json"
    command = [sys.executable, "-m", "crawlers.run", "--stats-file", str(stats_file), "--parent-pid"]
    command += [str(os.getpid()), *extra]
    for slug in sources:
        command += ["--source", slug]
    if runtime.base_url:
        command += ["--base-url", runtime.base_url]
    env = {
        **os.environ,
        **settings_environment(runtime.settings),
        "SCRAPY_SETTINGS_MODULE": "crawlers.settings",
    }
    try:
        result = subprocess.run(
            command,
            cwd=PROJECT_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=runtime.settings.crawl_timeout_seconds,
            check=False,
        )
    except subprocess.TimeoutExpired:
        error = f"proses crawl melewati batas waktu {runtime.settings.crawl_timeout_seconds} detik"
        return ChildResult({}, error, CrawlRunStatus.FAILED)
    stats = json.loads(stats_file.read_text(encoding="utf-8")) if stats_file.exists() else {}
    if result.returncode != 0 or not stats_file.exists():
        return _ended(result.returncode, result.stderr, stats)
    return ChildResult(stats)


def probe_source(runtime: Runtime, slug: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Fetch a source's entry page and one article, extract it, store nothing (``pantau sources test``)."""
    with tempfile.TemporaryDirectory(prefix="pantau-probe-") as tmp:
        probe_file = Path(tmp) / "probe.json"
        result = _run_crawl_process(runtime, [slug], Path(tmp), ["--probe-file", str(probe_file)])
        if result.error:
            raise CrawlFailed(result.error)
        return result.stats.get(slug, {}), json.loads(probe_file.read_text(encoding="utf-8"))


def crawl_sources(runtime: Runtime, sources: list[str]) -> CrawlSummary:
    """Crawl ``sources`` in a child process; the CrawlRun row records the outcome either way."""
    with transaction(runtime.sessions) as session:
        mark_interrupted_runs(session, runtime.settings)
        run = CrawlRun(sources=sources, host=HOST, pid=os.getpid())
        session.add(run)
        session.flush()
        run_id = run.id
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="pantau-crawl-") as tmp:
        result = _run_crawl_process(runtime, sources, Path(tmp), ["--run-id", str(run_id)])
    seconds = time.monotonic() - started
    with transaction(runtime.sessions) as session:
        stored_run = session.get_one(CrawlRun, run_id)
        stored_run.finished_at = utcnow()
        stored_run.status = result.status
        stored_run.stats = result.stats
        stored_run.error = result.error
    if result.error:
        raise CrawlFailed(result.error)
    return summarise(run_id, sources, result.stats, seconds)
