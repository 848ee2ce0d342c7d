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

from pydantic import SecretStr

from config.errors import PantauError
from config.settings import PROJECT_ROOT, Settings
from db.base import utcnow
from db.models import CrawlRun
from db.session import transaction
from flows.runtime import Runtime


class CrawlFailed(PantauError):
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
            elif parts[:2] == ["pantau", "fetch_failed"]:
                summary.failed[parts[-1]] += value
    return summary


def _run_crawl_process(
    runtime: Runtime, sources: list[str], tmp: Path, extra: list[str]
) -> tuple[dict[str, dict[str, Any]], str | None]:
    """Run ``python -m crawlers.run`` for ``sources``: per-source counters, or the error that stopped it."""
    stats_file = tmp / "stats.json"
    command = [sys.executable, "-m", "crawlers.run", "--stats-file", str(stats_file), *extra]
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
        return {}, f"crawl process timed out after {runtime.settings.crawl_timeout_seconds} s"
    if result.returncode != 0 or not stats_file.exists():
        return {}, f"crawl process exited with {result.returncode}: {result.stderr[-1500:]}"
    return json.loads(stats_file.read_text(encoding="utf-8")), None


def probe_source(runtime: Runtime, slug: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Fetch a source's entry page and one article, extract it, store nothing (``pantau sources test``)."""
    with tempfile.TemporaryDirectory(prefix="pantau-probe-") as tmp:
        probe_file = Path(tmp) / "probe.json"
        stats, error = _run_crawl_process(runtime, [slug], Path(tmp), ["--probe-file", str(probe_file)])
        if error:
            raise CrawlFailed(error)
        return stats.get(slug, {}), json.loads(probe_file.read_text(encoding="utf-8"))


def crawl_sources(runtime: Runtime, sources: list[str]) -> CrawlSummary:
    """Crawl ``sources`` in a child process; the CrawlRun row records the outcome either way."""
    with transaction(runtime.sessions) as session:
        run = CrawlRun(sources=sources)
        session.add(run)
        session.flush()
        run_id = run.id
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="pantau-crawl-") as tmp:
        stats, error = _run_crawl_process(runtime, sources, Path(tmp), ["--run-id", str(run_id)])
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
