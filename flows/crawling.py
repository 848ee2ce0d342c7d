"""Crawl service: record a CrawlRun, run Scrapy in a child process, store its counters."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from config.settings import PROJECT_ROOT, Settings
from db.base import utcnow
from db.models import CrawlRun
from db.session import transaction
from flows.runtime import Runtime


class CrawlFailed(RuntimeError):
    """The crawl process failed as a whole (not one page: those are counted)."""


@dataclass
class CrawlSummary:
    run_id: int
    sources: list[str]
    pages_fetched: int = 0
    stored: int = 0
    quarantined: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    failed: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0


def settings_environment(settings: Settings) -> dict[str, str]:
    """The ``PANTAU_*`` variables that reproduce ``settings`` in a child process."""
    env = {}
    for name, value in settings.model_dump().items():
        env[f"PANTAU_{name.upper()}"] = str(value)
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
            elif parts[:2] == ["pantau", "dedupe"] or key == "pantau/persist/duplicate":
                summary.skipped[parts[-1]] += value
            elif parts[:2] == ["pantau", "fetch_failed"]:
                summary.failed[parts[-1]] += value
    return summary


def crawl_sources(runtime: Runtime, sources: list[str]) -> CrawlSummary:
    """Crawl ``sources`` in a child process; the CrawlRun row records the outcome either way."""
    with transaction(runtime.sessions) as session:
        run = CrawlRun(sources=sources)
        session.add(run)
        session.flush()
        run_id = run.id
    started = time.monotonic()
    stats: dict[str, dict[str, Any]] = {}
    error: str | None = None
    with tempfile.TemporaryDirectory(prefix="pantau-crawl-") as tmp:
        stats_file = Path(tmp) / "stats.json"
        command = [
            sys.executable,
            "-m",
            "crawlers.run",
            "--run-id",
            str(run_id),
            "--stats-file",
            str(stats_file),
        ]
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
            if result.returncode != 0 or not stats_file.exists():
                error = f"crawl process exited with {result.returncode}: {result.stderr[-1500:]}"
            else:
                stats = json.loads(stats_file.read_text(encoding="utf-8"))
        except subprocess.TimeoutExpired:
            error = f"crawl process timed out after {runtime.settings.crawl_timeout_seconds} s"
    seconds = time.monotonic() - started
    with transaction(runtime.sessions) as session:
        stored_run = session.get_one(CrawlRun, run_id)
        stored_run.finished_at = utcnow()
        stored_run.status = "failed" if error else "succeeded"
        stored_run.stats = stats
        stored_run.error = error
    if error:
        raise CrawlFailed(error)
    return summarise(run_id, sources, stats, seconds)
