"""Extract title, main text, date and author (``crawlers.extraction``) in worker processes
(``crawlers.extraction_workers``), off the crawl's event loop, so downloads go on while pages are parsed and
a crawl uses every core. Pages that yield nothing are quarantined with the reason; a page whose worker died
is recorded as a failed fetch, so the frontier tries it again in a later cycle."""

from __future__ import annotations

from typing import Self

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.statscollectors import StatsCollector

from crawlers.extraction import Extraction, PageToExtract, extract_for_storage
from crawlers.extraction_workers import ExtractionWorkers, WorkerDied
from crawlers.items import PageItem
from crawlers.store import CrawlStore, Outcome, store_of


class ExtractPipeline:
    def __init__(
        self, stats: StatsCollector, workers: ExtractionWorkers | None, store: CrawlStore | None
    ) -> None:
        self.stats = stats
        self.workers = workers  # None: extract in this process (PANTAU_EXTRACTION_WORKERS=0)
        self.store = store

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        assert crawler.stats is not None
        count = crawler.settings.getint("PANTAU_EXTRACTION_WORKERS")
        workers = ExtractionWorkers.shared(count) if count > 0 else None
        return cls(crawler.stats, workers, store_of(crawler.settings))

    async def process_item(self, item: PageItem) -> PageItem:
        page = page_to_extract(item)
        if self.workers is None:
            extraction, item.raw_gzip = extract_for_storage(page)
            return apply_extraction(item, extraction, self.stats)
        try:
            extraction, item.raw_gzip = await self.workers.extract(page)
        except RuntimeError as exc:  # WorkerDied, or a worker's fault on this page
            reason = "extraction_worker_died" if isinstance(exc, WorkerDied) else "extraction_worker_fault"
            self.stats.inc_value(f"pantau/fetch_failed/{reason}")
            if self.store is not None:
                self.store.add(Outcome(item.source_slug, self.stats, item.frontier_key, failure=reason))
            raise DropItem(f"{reason}: {item.url}: {exc}") from None
        return apply_extraction(item, extraction, self.stats)


def page_to_extract(item: PageItem) -> PageToExtract:
    return PageToExtract(
        body=item.body,
        url=item.url,
        content_type=item.content_type,
        timezone=item.timezone,
        fetched_at=item.fetched_at,
        listed_title=item.listed_title,
    )


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
