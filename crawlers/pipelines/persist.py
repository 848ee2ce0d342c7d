"""Store every page that reached here as a Document, usable or quarantined with its reason, never lost: the
row goes to the crawl store, which commits it with the frontier entry it settles. A page that made any
pipeline fail is stored too, quarantined with the error (Scrapy would only log it).
"""

from __future__ import annotations

import gzip
from typing import Any, Self

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector
from twisted.python.failure import Failure

from crawlers.items import PageItem
from crawlers.store import CrawlStore, Outcome, document_row, store_of


class PersistPipeline:
    def __init__(self, stats: StatsCollector, store: CrawlStore) -> None:
        self.stats = stats
        self.store = store

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        assert crawler.stats is not None
        store = store_of(crawler.settings)
        if store is None:
            raise ValueError("the persist pipeline needs the crawl store (probes store nothing)")
        pipeline = cls(crawler.stats, store)
        crawler.signals.connect(pipeline.item_error, signal=signals.item_error)
        return pipeline

    def close_spider(self) -> None:
        self.store.flush()

    def process_item(self, item: PageItem) -> PageItem:
        self.store.add(Outcome(item.source_slug, self.stats, item.frontier_key, document=self.row(item)))
        return item

    def row(self, item: PageItem, quarantine_reason: str | None = None) -> dict[str, Any]:
        return document_row(
            source_id=self.store.source_id(item.source_slug),
            crawl_run_id=self.store.run_id,
            url=item.url,
            canonical_url=item.canonical_url or item.url,
            quarantine_reason=quarantine_reason or item.quarantine_reason,
            fetched_at=item.fetched_at,
            http_status=item.http_status,
            encoding=item.encoding,
            content_hash=None if quarantine_reason else item.content_hash,
            title=None if quarantine_reason else item.title,
            text=None if quarantine_reason else item.text,
            author=None if quarantine_reason else item.author,
            language=item.language,
            published_at=None if quarantine_reason else item.published_at,
            raw_gzip=item.raw_gzip or gzip.compress(item.body),
            notes=item.notes or None,
        )

    def item_error(self, item: Any, response: Any, spider: Spider, failure: Failure) -> None:
        """A pipeline raised on this page: quarantine it with the error instead of losing it."""
        if not isinstance(item, PageItem):
            return
        reason = f"internal error: {failure.type.__name__ if failure.type else 'error'}: {failure.value}"
        self.stats.inc_value("pantau/persist/pipeline_error")
        row = self.row(item, reason[:500])
        self.store.add(Outcome(item.source_slug, self.stats, item.frontier_key, document=row))
