"""Extract title, main text, date and author (``crawlers.extraction``) in worker processes, off the crawl's
event loop, so downloads go on while pages are parsed and a crawl uses every core. Pages that yield nothing
are quarantined with the reason; a worker that dies leaves its page pending in the frontier."""

from __future__ import annotations

import asyncio
import gzip
import multiprocessing
import os
from concurrent.futures import Executor, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Self

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.statscollectors import StatsCollector

from crawlers.extraction import Extraction, extract_page
from crawlers.items import PageItem
from crawlers.lifeline import die_with_parent
from crawlers.store import CrawlStore, Outcome, store_of

_pool: ProcessPoolExecutor | None = None


def extraction_pool(workers: int) -> Executor:
    """This process's pool of extraction workers (``workers``, or one per CPU for 0), made on first use."""
    global _pool
    if _pool is None:
        # spawned, not forked: the crawl process runs threads (forking it could copy a held lock), and a
        # spawned worker is the crawl's own child, so it dies with it (``die_with_parent``)
        context = multiprocessing.get_context("spawn")
        _pool = ProcessPoolExecutor(
            max_workers=workers or os.cpu_count() or 1,
            mp_context=context,
            initializer=die_with_parent,
            initargs=(os.getpid(),),
        )
    return _pool


def shutdown_pool() -> None:
    global _pool
    if _pool is not None:
        _pool.shutdown(wait=True, cancel_futures=True)
        _pool = None


class ExtractPipeline:
    def __init__(self, stats: StatsCollector, pool: Executor, store: CrawlStore | None) -> None:
        self.stats = stats
        self.pool = pool
        self.store = store

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        assert crawler.stats is not None
        pool = extraction_pool(crawler.settings.getint("PANTAU_EXTRACTION_WORKERS"))
        return cls(crawler.stats, pool, store_of(crawler.settings))

    async def process_item(self, item: PageItem) -> PageItem:
        future = self.pool.submit(extract_item, item)
        try:
            result = await asyncio.wrap_future(future)
        except BrokenProcessPool:
            self.stats.inc_value("pantau/fetch_failed/extraction_worker_died")
            if self.store is not None:
                failure = "extraction worker died"
                self.store.add(Outcome(item.source_slug, self.stats, item.frontier_key, failure=failure))
            raise DropItem(f"extraction worker died: {item.url}") from None
        extraction, item.raw_gzip = result
        return apply_extraction(item, extraction, self.stats)


def extract_item(item: PageItem) -> tuple[Extraction, bytes]:
    """``extract_page`` on a fetched page item, and the raw page compressed for storage (both off the event
    loop, in a worker)."""
    result = extract_page(
        item.body,
        url=item.url,
        content_type=item.content_type,
        timezone=item.timezone,
        fetched_at=item.fetched_at,
        listed_title=item.listed_title,
    )
    return result, gzip.compress(item.body, compresslevel=6)


def apply_extraction(item: PageItem, result: Extraction, stats: StatsCollector) -> PageItem:
    """Copy what extraction found onto the item, counting it."""
    item.encoding = result.encoding
    item.notes = {**item.notes, **result.notes}
    item.title, item.text, item.author = result.title, result.text, result.author
    item.published_at, item.content_hash = result.published_at, result.content_hash
    for note in result.notes:
        stats.inc_value(f"pantau/extract/noted/{note}")
    if result.quarantine_reason:
        item.quarantine_reason = result.quarantine_reason
        stats.inc_value(f"pantau/extract/quarantined/{result.quarantine_reason.split(':')[0]}")
    else:
        stats.inc_value("pantau/extract/extracted")
    return item
