"""The config-driven news spider: entry point by platform (RSS/Atom feed, news sitemap, WordPress REST API or
listing page, in that order of preference), then one request per article page, handed raw to the pipelines.

What an entry page lists goes into the crawl frontier (``crawlers.store``) before any article is requested,
so a crawl killed part-way resumes in the next cycle, which also fetches first what earlier ones listed but
did not store. Every page ends counted: stored, quarantined, skipped with a reason, or failed with a reason
(``pantau/fetch_failed/...``; a failed entry page also counts as ``pantau/entry/failed/...``).

Hooks for subclasses: ``article_urls_from_listing`` (pick links from a listing page) and ``accept_url``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any, Self
from urllib.parse import urlsplit

import feedparser
import scrapy
from lxml import etree
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.linkextractors import LinkExtractor
from twisted.python.failure import Failure

from config.catalog import Catalog, load_catalog
from config.schema import Platform, SourceDef
from config.settings import get_settings
from crawlers.items import PageItem
from crawlers.middlewares import SkippedOnPurpose
from crawlers.pipelines.canonicalize import canonical_url, page_identity
from crawlers.spiders import wordpress
from crawlers.store import CrawlStore, Outcome, store_of
from db.frontier import Listed

_XML_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, recover=True, huge_tree=False)
_STRICT_XML_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
MAX_URL_CHARS = 2048  # the sitemaps protocol's limit, and what browsers and the database take
# failures that a later cycle cannot mend: the article is given up at once
PERMANENT_FAILURES = frozenset(
    {"cancelled_too_large", "http_410", "robots_txt", "too_many_redirects", "offsite_redirect"}
)


class NewsSpider(scrapy.Spider):
    name = "news"

    def __init__(
        self,
        source: SourceDef,
        timezone: str,
        max_articles: int,
        store: CrawlStore | None = None,
        base_url: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(name=kwargs.pop("name", None), **kwargs)
        self.source = source
        self.timezone = timezone
        self.max_articles = max_articles
        self.store = store  # None: nothing is remembered (unit tests, `pantau sources test`)
        self.base_url = canonical_url(base_url).rstrip("/") if base_url else None
        self.requested: set[str] = set()  # canonical URLs of the articles requested in this crawl
        # the entry page's list is in the frontier: its conditional-GET validators may advance at the end
        self.entry_listed = False
        self.allowed_domains = [source.url.host] if source.url.host else []

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        settings = get_settings()
        slug = kwargs.pop("source")
        base_url = crawler.settings.get("PANTAU_BASE_URL")
        catalog = _catalog(settings.config_dir, settings.sources_file, base_url)
        source = catalog.source(slug)
        timezone = catalog.regions[source.region].definition.timezone
        max_articles = crawler.settings.getint("PANTAU_MAX_ARTICLES")
        store = store_of(crawler.settings)
        spider = cls(source, timezone, max_articles, store, base_url, *args, **kwargs)
        spider._set_crawler(crawler)
        return spider

    async def start(self) -> AsyncIterator[scrapy.Request]:
        callback = {
            Platform.RSS: self.parse_feed,
            Platform.SITEMAP: self.parse_sitemap,
            Platform.LISTING: self.parse_listing,
            Platform.WORDPRESS: self.parse_wordpress,
        }[self.source.platform]
        yield scrapy.Request(
            str(self.source.url), callback=callback, errback=self.on_entry_error, meta={"pantau_entry": True}
        )
        if self.store is not None:
            for listed in self.store.due(self.source.slug, self.max_articles):
                self.requested.add(listed.canonical_url)
                yield self._request(listed)

    # --- entry points -------------------------------------------------------------------------------------
    def parse_feed(self, response: Response) -> Iterator[scrapy.Request]:
        """An RSS 2.0 or Atom feed read directly (a tenth of feedparser's time on a 250-item feed); anything
        else (RSS 1.0, a feed that needs repairs) through feedparser."""
        links = feed_links(response.body)
        if links is None:
            feed = feedparser.parse(response.body)
            if feed.bozo and not feed.entries:
                self._count("feed_unreadable")
                return
            links = [(e["link"], e.get("title")) for e in feed.entries if e.get("link")]
        yield from self._articles(response, [(response.urljoin(link), title) for link, title in links])

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
        listed: list[tuple[str, str | None]] = []
        for entry in root:
            if not isinstance(entry.tag, str):
                continue
            loc = entry.findtext("{*}loc")
            if not loc:
                continue
            if kind == "sitemapindex":
                yield scrapy.Request(loc.strip(), callback=self.parse_sitemap, errback=self.on_error)
            else:
                listed.append((loc.strip(), entry.findtext(".//{*}news/{*}title")))
        if kind != "sitemapindex":  # an index's children change under it: it never answers for them
            yield from self._articles(response, listed)

    def parse_listing(self, response: Response) -> Iterator[scrapy.Request]:
        yield from self._articles(response, [(url, None) for url in self.article_urls_from_listing(response)])

    def parse_wordpress(self, response: Response) -> Iterator[scrapy.Request]:
        """A page of the WordPress posts endpoint; the next page is fetched while under the article limit."""
        try:
            posts = wordpress.posts(response.body)
        except wordpress.BadJSON:
            self._count("bad_json")
            return
        host = _site(response.url)
        links = [(response.urljoin(link), title) for link, title in posts]
        yield from self._articles(response, [(url, title) for url, title in links if _site(url) == host])
        page = wordpress.page_of(response.url)
        last = wordpress.total_pages(response.headers.get("X-WP-TotalPages"))
        if posts and page < last and self._article_budget() > 0:
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
    def _articles(self, response: Response, links: list[tuple[str, str | None]]) -> Iterator[scrapy.Request]:
        """Requests for the articles a page listed: each new one is remembered in the frontier first; one
        stored, given up, waiting for its retry or already requested in this crawl is counted, not fetched."""
        fresh: list[Listed] = []
        for url, title in links:
            if not self.accept_url(url):
                continue
            if len(url) > MAX_URL_CHARS:
                self._count("url_too_long")
                continue
            key = page_identity(url, self.base_url)
            if key in self.requested:
                self._skip("seen_in_crawl")
                continue
            self.requested.add(key)
            fresh.append(Listed(url, key, title))
        fates = self.store.admit(self.source.slug, fresh) if self.store is not None else {}
        for listed in fresh:
            fate = fates.get(listed.canonical_url, "fetch")
            if fate != "fetch":
                self._skip(fate)
            elif self._article_budget() <= 0:
                self._skip("article_limit_reached")  # still pending in the frontier: a later cycle takes it
            else:
                yield self._request(listed)
        if response.meta.get("pantau_entry"):
            self.entry_listed = True

    def _article_budget(self) -> int:
        assert self.crawler.stats is not None
        return self.max_articles - int(self.crawler.stats.get_value("pantau/articles_requested", 0))

    def _request(self, listed: Listed) -> scrapy.Request:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value("pantau/articles_requested")
        return scrapy.Request(
            listed.url,
            callback=self.parse_article,
            errback=self.on_error,
            cb_kwargs={"listed_title": listed.title},
            meta={"frontier_key": listed.canonical_url},
        )

    def parse_article(self, response: Response, listed_title: str | None) -> Iterator[PageItem]:
        content_type = response.headers.get("Content-Type")
        yield PageItem(
            source_slug=self.source.slug,
            region_code=self.source.region,
            url=response.url,
            http_status=response.status,
            body=response.body,
            content_type=content_type.decode("latin-1") if content_type else None,
            fetched_at=datetime.now(UTC),
            language=self.source.language,
            timezone=self.timezone,
            frontier_key=response.meta.get("frontier_key"),
            listed_title=listed_title,
        )

    # --- failures -------------------------------------------------------------------------------------------
    def on_entry_error(self, failure: Failure) -> None:
        """The entry page failed: the source as a whole failed this cycle."""
        reason = self.on_error(failure)
        if reason is not None:
            self.crawler.stats.inc_value(f"pantau/entry/failed/{reason}")

    def on_error(self, failure: Failure) -> str | None:
        """A page that could not be fetched is counted by reason; an article's failure is recorded in the
        frontier, which tries it again in a later cycle (or gives it up after the last attempt)."""
        if isinstance(failure.value, SkippedOnPurpose):
            return None  # not fetched on purpose (not modified): the middleware counted why
        reason = failure_reason(failure)
        self._count(reason)
        request = getattr(failure, "request", None)
        self.logger.warning("fetch failed (%s): %s", reason, request.url if request else "?")
        key = request.meta.get("frontier_key") if request is not None else None
        if self.store is not None and key is not None:
            assert self.crawler.stats is not None
            outcome = Outcome(
                self.source.slug,
                self.crawler.stats,
                key,
                failure=reason,
                permanent=reason in PERMANENT_FAILURES,
            )
            self.store.add(outcome)
        return reason

    def _skip(self, reason: str) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(f"pantau/dedupe/dropped/{reason}")

    def _count(self, reason: str) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(f"pantau/fetch_failed/{reason}")


_ATOM = "{http://www.w3.org/2005/Atom}"


def feed_links(body: bytes) -> list[tuple[str, str | None]] | None:
    """(link, title) of each item of a well-formed RSS 2.0 or Atom feed; None for anything else."""
    try:
        root = etree.fromstring(body, parser=_STRICT_XML_PARSER)
    except etree.XMLSyntaxError:
        return None
    if root is None:
        return None
    found: list[tuple[str, str | None]] = []
    if root.tag == "rss":
        for item in root.iterfind("channel/item"):
            link = (item.findtext("link") or "").strip()
            if link:
                found.append((link, (item.findtext("title") or "").strip() or None))
    elif root.tag == f"{_ATOM}feed":
        for entry in root.iterfind(f"{_ATOM}entry"):
            hrefs = [
                link.get("href", "").strip()
                for link in entry.iterfind(f"{_ATOM}link")
                if link.get("rel", "alternate") == "alternate"
            ]
            if hrefs and hrefs[0]:
                found.append((hrefs[0], (entry.findtext(f"{_ATOM}title") or "").strip() or None))
    return found or None


@cache
def _catalog(config_dir: Path, sources_file: Path, base_url: str | None) -> Catalog:
    """The configuration, read once per crawl process (not once per source crawled in it)."""
    return load_catalog(config_dir, sources_file, base_url)


def failure_reason(failure: Failure) -> str:
    """A short, countable name for why a request failed."""
    response = getattr(failure.value, "response", None)
    if response is not None:
        return f"http_{response.status}"
    message = str(failure.value)
    if isinstance(failure.value, IgnoreRequest):
        if "max redirections" in message:
            return "too_many_redirects"
        if "robots.txt" in message:
            return "robots_txt"
        if "offsite" in message:
            return "offsite_redirect"
        return "ignored"
    reason = failure.type.__name__ if failure.type else "unknown"
    if reason == "DownloadCancelledError":
        return "cancelled_too_large"  # Scrapy cancels a download past DOWNLOAD_MAXSIZE
    return reason


def _site(url: str) -> str:
    """The host of ``url`` without a leading ``www.``: WordPress often links one form and serves the other."""
    host = urlsplit(url).hostname or ""
    return host.removeprefix("www.")
