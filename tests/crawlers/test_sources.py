"""Every configured outlet on its saved pages: slug = source in config/data/sources.yaml = fixture directory.

``tests/crawlers/fixtures/sources/<slug>/`` holds the entry page (feed, news sitemap, WordPress posts JSON or
listing page), one article page and ``expected.json`` (the article URLs the entry page must yield, in order,
and what extraction must find in the article). A source added to sources.yaml without that directory fails
here. The pages are modelled on each site's structure; their texts are fictional (see docs/sources.md).
"""

from __future__ import annotations

import json
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import scrapy
from scrapy.http import HtmlResponse, Request, Response, TextResponse, XmlResponse
from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.test import get_crawler
from scrapy.utils.url import url_is_from_any_domain

from config.catalog import Catalog, load_catalog
from config.schema import Platform, SourceDef
from config.settings import CONFIG_DATA_DIR
from crawlers.extraction import extract_for_storage
from crawlers.items import PageItem
from crawlers.pipelines.canonicalize import CanonicalizePipeline
from crawlers.pipelines.extract import apply_extraction, page_to_extract
from crawlers.pipelines.validate import ValidatePipeline
from crawlers.spiders import wordpress
from crawlers.spiders.news import NewsSpider

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "sources"
NOTICE = "Pantau test fixture: structure modelled on"


@cache
def catalog() -> Catalog:
    return load_catalog(CONFIG_DATA_DIR, CONFIG_DATA_DIR / "sources.yaml")


SLUGS = [source.slug for source in catalog().sources]


def expected(slug: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / slug / "expected.json").read_text(encoding="utf-8"))
    return data


def spider_for(source: SourceDef, limit: int = 100) -> NewsSpider:
    timezone = catalog().regions[source.region].definition.timezone
    spider = NewsSpider(source, timezone, limit)
    spider._set_crawler(get_crawler(NewsSpider))
    return spider


def source_response(slug: str, name: str, url: str, headers: dict[str, str] | None = None) -> Response:
    """The saved file ``fixtures/sources/<slug>/<name>`` as the answer to a GET of ``url`` (its real URL).

    No Content-Type header is sent: the charset must come from the page itself, as a meta tag or BOM.
    """
    path = FIXTURES / slug / name
    cls = {".html": HtmlResponse, ".xml": XmlResponse}.get(path.suffix, TextResponse)
    return cls(url=url, request=Request(url=url), body=path.read_bytes(), headers=headers)


def entry_requests(source: SourceDef, spider: NewsSpider | None = None) -> list[scrapy.Request]:
    spider = spider or spider_for(source)
    exp = expected(source.slug)
    response = source_response(source.slug, exp["entry"], str(source.url), exp.get("headers"))
    parse = {
        Platform.RSS: spider.parse_feed,
        Platform.SITEMAP: spider.parse_sitemap,
        Platform.LISTING: spider.parse_listing,
        Platform.WORDPRESS: spider.parse_wordpress,
    }[source.platform]
    return [r for r in parse(response) if isinstance(r, scrapy.Request)]


def article_requests(source: SourceDef) -> list[scrapy.Request]:
    return [r for r in entry_requests(source) if getattr(r.callback, "__name__", "") == "parse_article"]


@cache
def extracted(slug: str) -> PageItem:
    """The saved article page through the spider and the canonicalise, extract and validate pipelines."""
    source = catalog().source(slug)
    article = expected(slug)["article"]
    response = source_response(slug, article["file"], article["url"])
    (item,) = spider_for(source).parse_article(response, listed_title=None)
    stats = MemoryStatsCollector(get_crawler())
    item = CanonicalizePipeline(stats, None).process_item(item)
    item = apply_extraction(item, extract_for_storage(page_to_extract(item))[0], stats)
    return ValidatePipeline(stats).process_item(item)


def with_known_issue(field: str) -> list[Any]:
    """Every slug; one whose expected.json names a known issue for ``field`` is a strict xfail."""
    params = []
    for slug in SLUGS:
        reason = expected(slug)["article"].get("known_issues", {}).get(field)
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        params.append(pytest.param(slug, marks=marks))
    return params


# --- every source has its saved pages ---------------------------------------------------------------------
def test_at_least_twelve_outlets_in_both_provinces() -> None:
    regions = [source.region for source in catalog().sources]
    assert len(regions) >= 12
    assert {"64.08", "63.72"} <= set(regions)


def test_every_fixture_directory_is_a_configured_source() -> None:
    assert sorted(p.name for p in FIXTURES.iterdir() if p.is_dir()) == sorted(SLUGS)


@pytest.mark.parametrize("slug", SLUGS)
def test_fixtures_are_marked_fictional_and_small(slug: str) -> None:
    directory = FIXTURES / slug
    exp = expected(slug)
    for name in (exp["entry"], exp["article"]["file"]):
        body = (directory / name).read_bytes()
        assert len(body) < 60_000
        marked = NOTICE.encode() in body[:400] or NOTICE in (directory / "README.md").read_text("utf-8")
        assert marked, f"{slug}/{name} lacks the fixture notice"


# --- entry page -> article requests ---------------------------------------------------------------------
@pytest.mark.parametrize("slug", SLUGS)
def test_entry_page_requests_exactly_the_articles(slug: str) -> None:
    source = catalog().source(slug)
    assert [r.url for r in article_requests(source)] == expected(slug)["articles"]


@pytest.mark.parametrize("slug", SLUGS)
def test_requested_articles_match_the_article_pattern(slug: str) -> None:
    source = catalog().source(slug)
    regex = source.article_regex()
    assert regex is not None
    assert all(regex.search(r.url) for r in article_requests(source))


@pytest.mark.parametrize("slug", SLUGS)
def test_entry_page_is_on_the_sources_host(slug: str) -> None:
    source = catalog().source(slug)
    assert all(url_is_from_any_domain(r.url, [source.url.host or ""]) for r in entry_requests(source))


@pytest.mark.parametrize("slug", [s for s in SLUGS if catalog().source(s).platform != Platform.LISTING])
def test_feed_sitemap_and_wordpress_titles_are_passed_on(slug: str) -> None:
    (first, *_) = article_requests(catalog().source(slug))
    assert first.cb_kwargs["listed_title"] == expected(slug)["article"]["title"]


# --- article page -> extracted fields -------------------------------------------------------------------
@pytest.mark.parametrize("slug", SLUGS)
def test_article_is_valid(slug: str) -> None:
    assert extracted(slug).quarantine_reason is None


@pytest.mark.parametrize("slug", SLUGS)
def test_article_title(slug: str) -> None:
    assert extracted(slug).title == expected(slug)["article"]["title"]


def published_local(slug: str) -> datetime:
    item = extracted(slug)
    assert item.published_at is not None
    return item.published_at.astimezone(ZoneInfo(catalog().regions[item.region_code].definition.timezone))


@pytest.mark.parametrize("slug", SLUGS)
def test_article_publication_day_in_the_regions_time_zone(slug: str) -> None:
    assert (
        published_local(slug).date()
        == datetime.fromisoformat(expected(slug)["article"]["published_at"]).date()
    )


@pytest.mark.parametrize("slug", with_known_issue("published_at"))
def test_article_published_at_in_the_regions_time_zone(slug: str) -> None:
    assert published_local(slug).isoformat() == expected(slug)["article"]["published_at"]


@pytest.mark.parametrize("slug", SLUGS)
def test_article_text(slug: str) -> None:
    text = extracted(slug).text or ""
    article = expected(slug)["article"]
    assert article["excerpt"] in text
    for boilerplate in article["absent"]:
        assert boilerplate not in text


@pytest.mark.parametrize(
    "slug", [s for s in with_known_issue("read_also") if expected(s.values[0])["article"].get("read_also")]
)
def test_article_text_has_no_read_also_line(slug: str) -> None:
    assert expected(slug)["article"]["read_also"] not in (extracted(slug).text or "")


def test_meta_charset_pages_are_decoded_by_their_declaration() -> None:
    assert extracted("kutaitimurkab").encoding == "cp1252"
    assert "“tidak ada lagi warga" in (extracted("kutaitimurkab").text or "")
    assert extracted("banjarbarukota").encoding == "cp1252"  # iso-8859-1 is read as its superset
    assert "±" in (extracted("banjarbarukota").text or "")


def test_feed_entry_without_link_is_skipped() -> None:
    source = catalog().source("klikkaltim")
    body = (FIXTURES / "klikkaltim" / "feed.xml").read_text("utf-8")
    assert body.count("<item>") == len(expected("klikkaltim")["articles"]) + 1
    assert len(article_requests(source)) == body.count("<item>") - 1


# --- the WordPress REST entry point -----------------------------------------------------------------------
def _wordpress(limit: int = 100) -> tuple[NewsSpider, SourceDef]:
    source = catalog().source("niaga-asia")  # page 1 of 3 in its saved headers
    return spider_for(source, limit), source


def _posts_response(url: str, body: bytes, pages: str = "3") -> TextResponse:
    headers = {
        "Content-Type": "application/json; charset=UTF-8",
        "X-WP-Total": "60",
        "X-WP-TotalPages": pages,
    }
    return TextResponse(url=url, request=Request(url=url), body=body, headers=headers)


def test_wordpress_follows_the_next_page_while_under_the_limit() -> None:
    spider, source = _wordpress()
    next_pages = [r for r in entry_requests(source, spider) if r.callback == spider.parse_wordpress]
    assert [r.url for r in next_pages] == [wordpress.with_page(str(source.url), 2)]
    assert (
        next_pages[0].url.endswith("&page=2")
        and "_fields=id,date_gmt,modified_gmt,link,title" in next_pages[0].url
    )


def test_wordpress_stops_at_the_last_page() -> None:
    spider, source = _wordpress()
    body = (FIXTURES / "niaga-asia" / "posts.json").read_bytes()
    last = _posts_response(wordpress.with_page(str(source.url), 3), body)
    requests = list(spider.parse_wordpress(last))
    assert requests and all(r.callback == spider.parse_article for r in requests)


def test_wordpress_stops_at_the_article_limit() -> None:
    spider, source = _wordpress(limit=3)
    requests = entry_requests(source, spider)
    assert [r.callback for r in requests] == [spider.parse_article] * 3


@pytest.mark.parametrize(
    "body", [b"<html>Error establishing a database connection</html>", b'{"code": "x"}', b""]
)
def test_wordpress_bad_json_is_counted_not_raised(body: bytes) -> None:
    spider, source = _wordpress()
    assert list(spider.parse_wordpress(_posts_response(str(source.url), body))) == []
    assert spider.crawler.stats is not None
    assert spider.crawler.stats.get_value("pantau/fetch_failed/bad_json") == 1


def test_wordpress_post_titles_lose_entities_and_foreign_links() -> None:
    spider, source = _wordpress()
    posts = [
        {
            "link": "https://niaga.asia/warga-keluhkan-air-mati/",
            "title": {"rendered": "Warga &#8220;Keluhkan&#8221; Air"},
        },
        {"link": "https://example.com/titipan-iklan/", "title": {"rendered": "Iklan"}},
        {"title": {"rendered": "Tanpa tautan"}},
        "bukan objek",
    ]
    requests = list(spider.parse_wordpress(_posts_response(str(source.url), json.dumps(posts).encode(), "1")))
    assert [(r.url, r.cb_kwargs["listed_title"]) for r in requests] == [
        ("https://niaga.asia/warga-keluhkan-air-mati/", "Warga “Keluhkan” Air")
    ]


def test_wordpress_page_helpers() -> None:
    url = "https://a.test/wp-json/wp/v2/posts?per_page=20&_fields=id,link,title&page=2"
    assert wordpress.page_of(url) == 2
    assert (
        wordpress.with_page(url, 3)
        == "https://a.test/wp-json/wp/v2/posts?per_page=20&_fields=id,link,title&page=3"
    )
    assert wordpress.total_pages(b"412") == 412
    assert wordpress.total_pages(None) == wordpress.total_pages("rusak") == 1
