"""Drop a page met earlier in this crawl under another URL (after redirects): the frontier entry that led to
it is settled, since the page is stored once, under the first. A page stored by an earlier crawl is caught
when it is inserted (``crawlers.store``), which counts it as ``pantau/persist/duplicate``."""

from __future__ import annotations

from typing import Self

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.statscollectors import StatsCollector

from crawlers.items import PageItem
from crawlers.store import CrawlStore, Outcome, store_of


class DedupePipeline:
    def __init__(self, stats: StatsCollector, store: CrawlStore | None) -> None:
        self.stats = stats
        self.store = store
        self.seen: set[tuple[str, str]] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        assert crawler.stats is not None
        return cls(crawler.stats, store_of(crawler.settings))

    def process_item(self, item: PageItem) -> PageItem:
        key = (item.source_slug, item.canonical_url)
        if key in self.seen:
            self.stats.inc_value("pantau/dedupe/dropped/seen_in_crawl")
            if self.store is not None:
                self.store.add(Outcome(item.source_slug, self.stats, item.frontier_key))
            raise DropItem(f"duplicate in this crawl: {item.canonical_url}")
        self.seen.add(key)
        return item
