"""Conditional GET of a source's entry page (feed, sitemap, listing): send the ETag and Last-Modified of the
last fetch; a 304 means nothing new is listed, so only what the frontier still holds is fetched this cycle.

The validators of a fresh answer advance only when the crawl of the source finishes and the page's list is
in the frontier: by then every article it listed is stored, quarantined, recorded as failed, or pending.
A crawl that dies part-way leaves the old validators, so the next cycle reads the page again. A sitemap
index never advances (its child sitemaps change under it).
"""

from __future__ import annotations

from typing import Self

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy.statscollectors import StatsCollector

from crawlers.middlewares import SkippedOnPurpose
from crawlers.store import CrawlStore, store_of
from db.source_state import validators

_VALIDATORS = {"ETag": "If-None-Match", "Last-Modified": "If-Modified-Since"}
FINISHED = "finished"  # Scrapy's close reason of a crawl that ran out of work


class NotModified(SkippedOnPurpose):
    """The entry page did not change since the last cycle."""


def _entry(spider: Spider | None, request: Request) -> tuple[str, str] | None:
    """(source slug, url) when ``request`` fetches the source's configured entry page."""
    source = getattr(spider, "source", None)
    if source is None or request.url != str(source.url):
        return None
    return source.slug, request.url


class ConditionalGetMiddleware:
    def __init__(self, crawler: Crawler, stats: StatsCollector, store: CrawlStore) -> None:
        self.crawler = crawler
        self.stats = stats
        self.store = store
        self.fresh: dict[tuple[str, str], dict[str, str]] = {}  # validators to keep once the crawl finishes

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        assert crawler.stats is not None
        store = store_of(crawler.settings)
        if store is None:
            raise ValueError("conditional GET needs the crawl store (it is not used by probes)")
        middleware = cls(crawler, crawler.stats, store)
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    def process_request(self, request: Request) -> None:
        entry = _entry(self.crawler.spider, request)
        if entry is None:
            return
        with self.store.sessions() as session:
            known = validators(session, *entry)
        for header, conditional in _VALIDATORS.items():
            if header in known:
                request.headers.setdefault(conditional, known[header])

    def process_response(self, request: Request, response: Response) -> Response:
        entry = _entry(self.crawler.spider, request)
        if entry is None:
            return response
        if response.status == 304:
            self.stats.inc_value("pantau/not_modified")
            raise NotModified(f"not modified since the last cycle: {request.url}")
        if response.status == 200:
            seen = {h: response.headers[h].decode("latin-1") for h in _VALIDATORS if h in response.headers}
            if seen:
                self.fresh[entry] = seen
        return response

    def spider_closed(self, spider: Spider, reason: str) -> None:
        source = getattr(spider, "source", None)
        if reason != FINISHED or source is None or not getattr(spider, "entry_listed", False):
            return
        for (slug, url), seen in list(self.fresh.items()):
            if slug == source.slug:
                self.store.remember_validators(slug, url, seen)
                del self.fresh[(slug, url)]
