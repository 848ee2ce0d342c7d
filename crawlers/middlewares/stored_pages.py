"""Do not fetch a page twice: not one this source already stored, nor one already requested in this crawl
under another URL (tracking parameters): canonical URLs are compared before the download. The dedupe
pipeline checks again after redirects."""

from __future__ import annotations

from typing import Self

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector

from crawlers.middlewares import SkippedOnPurpose
from crawlers.pipelines.canonicalize import canonical_url, page_identity
from db.queries import document_exists
from db.session import make_engine, session_factory


class AlreadyStored(SkippedOnPurpose):
    """The page is stored already: fetching it again would give nothing new."""


class SkipStoredPagesMiddleware:
    def __init__(self, stats: StatsCollector, database_url: str, base_url: str | None) -> None:
        self.stats = stats
        self.sessions = session_factory(make_engine(database_url))
        self.base_url = canonical_url(base_url).rstrip("/") if base_url else None
        self.requested: set[tuple[str, str]] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        assert crawler.stats is not None
        settings = crawler.settings
        return cls(crawler.stats, settings.get("PANTAU_DATABASE_URL"), settings.get("PANTAU_BASE_URL"))

    def process_request(self, request: Request, spider: Spider) -> None:
        source = getattr(spider, "source", None)
        if source is None or request.url == str(source.url) or request.meta.get("retry_times"):
            return  # an entry page, or a retry of a page that failed: always fetched
        identity = page_identity(request.url, self.base_url)
        if (source.slug, identity) in self.requested:
            self.stats.inc_value("pantau/dedupe/dropped/seen_in_crawl")
            raise AlreadyStored(f"requested already in this crawl: {request.url}")
        self.requested.add((source.slug, identity))
        with self.sessions() as session:
            if document_exists(session, source.slug, identity):
                self.stats.inc_value("pantau/dedupe/dropped/already_stored")
                raise AlreadyStored(f"already stored: {request.url}")
