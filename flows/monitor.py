"""The ``monitor`` flow: crawl -> triage -> queue, one task per side effect.

Each task calls a service module (``flows.crawling``, ``flows.triage_service``, ``flows.queueing``); the flow
only orders them and reports. Runs locally without a Prefect server (a temporary one is started).
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from config.settings import get_settings
from flows.crawling import CrawlSummary, batches, crawl_sources
from flows.queueing import queue_new_issues
from flows.runtime import Runtime
from flows.social import SocialSummary, collect_social
from flows.triage_service import TriageSummary, triage_pending


@dataclass
class CycleSummary:
    crawl: CrawlSummary | None
    triage: TriageSummary
    social: SocialSummary | None = None
    queued: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0


@task(name="crawl", retries=1, retry_delay_seconds=5, cache_policy=NO_CACHE)
def crawl_task(runtime: Runtime, sources: list[str]) -> CrawlSummary:
    return crawl_sources(runtime, sources)


def crawl_in_batches(runtime: Runtime, slugs: list[str]) -> CrawlSummary:
    """One crawl process per batch of sources, ``crawl_workers`` of them at a time (docs/scale.md)."""
    settings = runtime.settings
    parts: list[CrawlSummary] = []
    todo = batches(slugs, settings.crawl_batch_size)
    for start in range(0, len(todo), settings.crawl_workers):
        wave = [crawl_task.submit(runtime, batch) for batch in todo[start : start + settings.crawl_workers]]
        parts.extend(future.result() for future in wave)
    return CrawlSummary.combined(parts)


@task(name="social", retries=1, retry_delay_seconds=5, cache_policy=NO_CACHE)
def social_task(runtime: Runtime, sources: list[str]) -> SocialSummary:
    return collect_social(runtime, [runtime.catalog.source(slug) for slug in sources])


@task(name="triage", retries=1, retry_delay_seconds=5, cache_policy=NO_CACHE)
def triage_task(runtime: Runtime) -> TriageSummary:
    return triage_pending(runtime)


@task(name="queue", retries=1, retry_delay_seconds=5, cache_policy=NO_CACHE)
def queue_task(runtime: Runtime) -> Counter[str]:
    return queue_new_issues(runtime)


@flow(name="monitor", log_prints=False)
def monitor(
    sources: list[str] | None = None, base_url: str | None = None, crawl: bool = True
) -> CycleSummary:
    """One monitoring cycle over ``sources`` (default: every enabled source)."""
    started = time.monotonic()
    runtime = Runtime(get_settings(), base_url=base_url)
    try:
        chosen = (
            [runtime.catalog.source(slug) for slug in sources]
            if sources
            else [s for s in runtime.catalog.sources if s.enabled]
        )
        news = [s.slug for s in chosen if not s.platform.is_social]
        social = [s.slug for s in chosen if s.platform.is_social]
        crawled = crawl_in_batches(runtime, news) if crawl and news else None
        collected = social_task(runtime, social) if crawl and social else None
        triaged = triage_task(runtime)
        queued = queue_task(runtime)
    finally:
        runtime.close()
    seconds = time.monotonic() - started
    return CycleSummary(crawl=crawled, triage=triaged, social=collected, queued=queued, seconds=seconds)
