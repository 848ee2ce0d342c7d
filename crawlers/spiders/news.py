"""The config-driven news spider: entry point by platform (RSS/Atom feed, news sitemap, WordPress REST API or
listing page, in that order of preference), then one request per article page, handed raw to the pipelines.

Hooks for subclasses: ``article_urls_from_listing`` (pick links from a listing page) and ``accept_url``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any, Self
from urllib.parse import urlsplit

import feedparser
import scrapy
from lxml import etree
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy.linkextractors import LinkExtractor
from twisted.python.failure import Failure

from config.catalog import load_catalog
from config.schema import Platform, SourceDef
from config.settings import get_settings
from crawlers.items import PageItem
from crawlers.middlewares import SkippedOnPurpose
from crawlers.spiders import wordpress

_XML_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, recover=True, huge_tree=False)


class NewsSpider(scrapy.Spider):
    name = "news"

    def __init__(self, source: SourceDef, timezone: str, max_articles: int, **kwargs: Any) -> None:
        super().__init__(name=kwargs.pop("name", None), **kwargs)
        self.source = source
        self.timezone = timezone
        self.max_articles = max_articles
        self.requested: set[str] = set()
        self.allowed_domains = [source.url.host] if source.url.host else []

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        settings = get_settings()
        slug = kwargs.pop("source")
        catalog = load_catalog(
            settings.config_dir, settings.sources_file, crawler.settings.get("PANTAU_BASE_URL")
        )
        source = catalog.source(slug)
        timezone = catalog.regions[source.region].definition.timezone
        max_articles = crawler.settings.getint("PANTAU_MAX_ARTICLES")
        spider = cls(source, timezone, max_articles, *args, **kwargs)
        spider._set_crawler(crawler)
        return spider

    async def start(self) -> AsyncIterator[scrapy.Request]:
        callback = {
            Platform.RSS: self.parse_feed,
            Platform.SITEMAP: self.parse_sitemap,
            Platform.LISTING: self.parse_listing,
            Platform.WORDPRESS: self.parse_wordpress,
        }[self.source.platform]
        yield scrapy.Request(str(self.source.url), callback=callback, errback=self.on_error)

    # --- entry points -------------------------------------------------------------------------------------
    def parse_feed(self, response: Response) -> Iterator[scrapy.Request]:
        feed = feedparser.parse(response.body)
        if feed.bozo and not feed.entries:
            self._count("feed_unreadable")
            return
        for entry in feed.entries:
            link = entry.get("link")
            if link:
                yield from self._article(response.urljoin(link), entry.get("title"))

    def parse_sitemap(self, response: Response) -> Iterator[scrapy.Request]:
        """A sitemap index (follow each sitemap) or a urlset, news sitemaps' titles included."""
        try:
            root = etree.fromstring(response.body, parser=_XML_PARSER)
        except etree.XMLSyntaxError:
            root = None
        if root is None:
            self._count("sitemap_unreadable")
            return
        kind = etree.QName(root).localname
        for entry in root:
            if not isinstance(entry.tag, str):
                continue
            loc = entry.findtext("{*}loc")
            if not loc:
                continue
            if kind == "sitemapindex":
                yield scrapy.Request(loc.strip(), callback=self.parse_sitemap, errback=self.on_error)
            else:
                yield from self._article(loc.strip(), entry.findtext(".//{*}news/{*}title"))

    def parse_listing(self, response: Response) -> Iterator[scrapy.Request]:
        for url in self.article_urls_from_listing(response):
            yield from self._article(url, None)

    def parse_wordpress(self, response: Response) -> Iterator[scrapy.Request]:
        """A page of the WordPress posts endpoint; the next page is fetched while under the article limit."""
        try:
            posts = wordpress.posts(response.body)
        except wordpress.BadJSON:
            self._count("bad_json")
            return
        host = _site(response.url)
        for link, title in posts:
            url = response.urljoin(link)
            if _site(url) == host:
                yield from self._article(url, title)
        page = wordpress.page_of(response.url)
        last = wordpress.total_pages(response.headers.get("X-WP-TotalPages"))
        if posts and page < last and len(self.requested) < self.max_articles:
            next_page = wordpress.with_page(response.url, page + 1)
            yield scrapy.Request(next_page, callback=self.parse_wordpress, errback=self.on_error)

    # --- hooks ----------------------------------------------------------------------------------------------
    def article_urls_from_listing(self, response: Response) -> list[str]:
        """Article links of a listing page: same site, matching the source's ``article_pattern``."""
        if not isinstance(response, scrapy.http.TextResponse):
            return []  # a binary answer has no links
        pattern = self.source.article_pattern
        extractor = LinkExtractor(allow=[pattern] if pattern else ())
        host = urlsplit(response.url).hostname
        return [link.url for link in extractor.extract_links(response) if urlsplit(link.url).hostname == host]

    def accept_url(self, url: str) -> bool:
        regex = self.source.article_regex()
        return regex is None or bool(regex.search(url))

    # --- articles -------------------------------------------------------------------------------------------
    def _article(self, url: str, title: str | None) -> Iterator[scrapy.Request]:
        if url in self.requested or not self.accept_url(url):
            return
        if len(self.requested) >= self.max_articles:
            self._count("article_limit_reached")
            return
        self.requested.add(url)
        yield scrapy.Request(
            url, callback=self.parse_article, errback=self.on_error, cb_kwargs={"listed_title": title}
        )

    def parse_article(self, response: Response, listed_title: str | None) -> Iterator[PageItem]:
        html = response.text if isinstance(response, scrapy.http.TextResponse) else ""
        encoding = response.encoding if isinstance(response, scrapy.http.TextResponse) else "binary"
        yield PageItem(
            source_slug=self.source.slug,
            region_code=self.source.region,
            url=response.url,
            http_status=response.status,
            body=response.body,
            html=html,
            encoding=encoding,
            fetched_at=datetime.now(UTC),
            language=self.source.language,
            timezone=self.timezone,
            listed_title=listed_title,
        )

    def on_error(self, failure: Failure) -> None:
        """A page that could not be fetched is counted by reason (it is retried in the next cycle)."""
        if failure.check(SkippedOnPurpose):
            return  # not fetched on purpose (stored already, not modified): the middleware counted why
        reason = failure.type.__name__ if failure.type else "unknown"
        if reason == "DownloadCancelledError":
            reason = "cancelled_too_large"  # Scrapy cancels a download past DOWNLOAD_MAXSIZE
        response = getattr(failure.value, "response", None)
        if response is not None:
            reason = f"http_{response.status}"
        self._count(reason)
        request = getattr(failure, "request", None)
        self.logger.warning("fetch failed (%s): %s", reason, request.url if request else "?")

    def _count(self, reason: str) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(f"pantau/fetch_failed/{reason}")


def _site(url: str) -> str:
    """The host of ``url`` without a leading ``www.``: WordPress often links one form and serves the other."""
    host = urlsplit(url).hostname or ""
    return host.removeprefix("www.")
