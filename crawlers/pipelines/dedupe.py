"""Drop pages this source already stored (by canonical URL), and repeats within one crawl."""

from __future__ import annotations

from typing import Self

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.statscollectors import StatsCollector
from sqlalchemy import Engine

from crawlers.items import PageItem
from db.queries import document_exists
from db.session import make_engine, session_factory


class DedupePipeline:
    def __init__(self, stats: StatsCollector, database_url: str) -> None:
        self.stats = stats
        self.database_url = database_url
        self.engine: Engine | None = None
        self.seen: set[tuple[str, str]] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        assert crawler.stats is not None
        return cls(crawler.stats, crawler.settings.get("PANTAU_DATABASE_URL"))

    def open_spider(self) -> None:
        self.engine = make_engine(self.database_url)
        self.sessions = session_factory(self.engine)

    def close_spider(self) -> None:
        if self.engine is not None:
            self.engine.dispose()

    def process_item(self, item: PageItem) -> PageItem:
        key = (item.source_slug, item.canonical_url)
        if key in self.seen:
            self.stats.inc_value("pantau/dedupe/dropped/seen_in_crawl")
            raise DropItem(f"duplicate in this crawl: {item.canonical_url}")
        self.seen.add(key)
        with self.sessions() as session:
            if document_exists(session, item.source_slug, item.canonical_url):
                self.stats.inc_value("pantau/dedupe/dropped/already_stored")
                raise DropItem(f"already stored: {item.canonical_url}")
        return item
