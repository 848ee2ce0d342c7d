"""The config-driven news spider on saved pages: feed, sitemap, listing, article."""

from __future__ import annotations

from pathlib import Path

import feedparser
import pytest
import scrapy
from scrapy.utils.test import get_crawler

from config.schema import SourceDef
from crawlers.extraction import extract_for_storage
from crawlers.items import PageItem
from crawlers.pipelines.extract import page_to_extract
from crawlers.spiders.news import NewsSpider, feed_links

from .conftest import BASE, SITES, file_response


def _spider(platform: str, url: str, pattern: str | None = None, limit: int = 100) -> NewsSpider:
    source = SourceDef.model_validate(
        {
            "slug": "t",
            "name": "T",
            "region": "64.08",
            "platform": platform,
            "url": url,
            "article_pattern": pattern,
        }
    )
    spider = NewsSpider(source, "Asia/Makassar", limit)
    spider._set_crawler(get_crawler(NewsSpider))
    return spider


def _urls(requests: object) -> list[str]:
    return [r.url for r in requests if isinstance(r, scrapy.Request)]  # type: ignore[attr-defined]


def test_rss_feed_yields_every_article_once() -> None:
    spider = _spider("rss", f"{BASE}/wartakutim/feed.xml")
    urls = _urls(spider.parse_feed(file_response("wartakutim/feed.xml")))
    assert len(urls) == 12
    assert f"{BASE}/wartakutim/berita/jalan-rusak-bengalon.html" in urls
    assert _urls(spider.parse_feed(file_response("wartakutim/feed.xml"))) == []  # already requested


def test_news_sitemap_yields_articles_with_titles() -> None:
    spider = _spider("sitemap", f"{BASE}/kabarsangatta/sitemap-news.xml")
    requests = list(spider.parse_sitemap(file_response("kabarsangatta/sitemap-news.xml")))
    assert len(requests) == 10
    assert all(r.cb_kwargs["listed_title"] for r in requests)


def test_listing_page_follows_only_matching_same_site_links() -> None:
    spider = _spider("listing", f"{BASE}/arsip/index.html", pattern=r"/arsip/halaman/")
    urls = _urls(spider.parse_listing(file_response("arsip/index.html")))
    assert len(urls) == 27  # 26 saved pages and one missing page
    assert all("/arsip/halaman/" in u for u in urls)
    # the re-shared URL with tracking parameters is the same page: counted, not requested again
    assert spider.crawler.stats.get_value("pantau/dedupe/dropped/seen_in_crawl") == 1


def test_article_limit_is_respected() -> None:
    spider = _spider("rss", f"{BASE}/wartakutim/feed.xml", limit=3)
    assert len(_urls(spider.parse_feed(file_response("wartakutim/feed.xml")))) == 3
    # deferred, not failed: the frontier keeps the other nine for a later cycle
    assert spider.crawler.stats.get_value("pantau/dedupe/dropped/article_limit_reached") == 9


def test_unreadable_feed_is_counted_not_raised() -> None:
    spider = _spider("rss", f"{BASE}/wartakutim/feed.xml")
    assert _urls(spider.parse_feed(file_response("wartakutim/index.html", url=f"{BASE}/feed.xml"))) == []


def test_article_item_carries_raw_page_decoded_by_extraction() -> None:
    spider = _spider("sitemap", f"{BASE}/kabarsangatta/sitemap-news.xml")
    response = file_response("kabarsangatta/artikel/jalan-longsor-kaliorang-latin1.html")
    (item,) = spider.parse_article(response, listed_title="Longsor")
    assert isinstance(item, PageItem)
    assert item.body == response.body and item.listed_title == "Longsor"
    assert item.region_code == "64.08" and item.timezone == "Asia/Makassar"
    extracted, _raw = extract_for_storage(
        page_to_extract(item)
    )  # decoding happens in the extraction worker, off the event loop
    assert extracted.encoding in {"cp1252", "iso8859-1", "latin-1"}
    assert "Andréas" in (extracted.text or "")


FEEDS = sorted(SITES.glob("*/feed.xml")) + sorted(
    (SITES.parent.parent / "tests/crawlers/fixtures/sources").glob("*/feed.xml")
)


@pytest.mark.parametrize("path", FEEDS, ids=lambda p: p.parent.name)
def test_rss_read_directly_lists_what_feedparser_lists(path: Path) -> None:
    body = path.read_bytes().replace(b"__BASE_URL__", BASE.encode())
    parsed = feedparser.parse(body)
    assert feed_links(body) == [(e["link"], e.get("title")) for e in parsed.entries if e.get("link")]


@pytest.mark.parametrize(
    "body",
    [
        b'<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"></rdf:RDF>',
        b"<rss><channel><item><title>a</title><link>http://x/a</link></item>",  # cut short: needs repairs
        b"not a feed",
    ],
)
def test_other_feeds_are_left_to_feedparser(body: bytes) -> None:
    assert feed_links(body) is None


def test_atom_entries_give_their_alternate_link() -> None:
    body = (
        b'<feed xmlns="http://www.w3.org/2005/Atom"><entry><title>Jalan rusak</title>'
        b'<link rel="self" href="http://x/self"/><link href="http://x/a.html"/></entry></feed>'
    )
    assert feed_links(body) == [("http://x/a.html", "Jalan rusak")]
