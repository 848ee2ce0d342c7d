"""Conditional GET of a source's entry page (feed, sitemap, listing): send the ETag and Last-Modified of the
last fetch; a 304 means nothing new, so nothing under it is fetched this cycle."""

from __future__ import annotations

from typing import Self

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy.statscollectors import StatsCollector

from crawlers.middlewares import SkippedOnPurpose
from db.session import make_engine, session_factory, transaction
from db.source_state import remember_validators, validators

_VALIDATORS = {"ETag": "If-None-Match", "Last-Modified": "If-Modified-Since"}


class NotModified(SkippedOnPurpose):
    """The entry page did not change since the last cycle."""


def _entry(spider: Spider, request: Request) -> tuple[str, str] | None:
    """(source slug, url) when ``request`` fetches the source's configured entry page."""
    source = getattr(spider, "source", None)
    if source is None or request.url != str(source.url):
        return None
    return source.slug, request.url


class ConditionalGetMiddleware:
    def __init__(self, stats: StatsCollector, database_url: str) -> None:
        self.stats = stats
        self.sessions = session_factory(make_engine(database_url))

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        assert crawler.stats is not None
        return cls(crawler.stats, crawler.settings.get("PANTAU_DATABASE_URL"))

    def process_request(self, request: Request, spider: Spider) -> None:
        entry = _entry(spider, request)
        if entry is None:
            return
        with self.sessions() as session:
            known = validators(session, *entry)
        for header, conditional in _VALIDATORS.items():
            if header in known:
                request.headers.setdefault(conditional, known[header])

    def process_response(self, request: Request, response: Response, spider: Spider) -> Response:
        entry = _entry(spider, request)
        if entry is None:
            return response
        if response.status == 304:
            self.stats.inc_value("pantau/not_modified")
            raise NotModified(f"not modified since the last cycle: {request.url}")
        if response.status == 200:
            seen = {h: response.headers[h].decode("latin-1") for h in _VALIDATORS if h in response.headers}
            if seen:
                with transaction(self.sessions) as session:
                    remember_validators(session, entry[0], entry[1], seen)
        return response
