"""Give each page its canonical URL, so the same article under two URLs is stored once.

When the sources file uses ``__BASE_URL__`` (a relocatable local mirror, as in the demo and tests), the
mirror's address is replaced by the placeholder again: a page's identity does not depend on the port the
mirror happens to be served on.
"""

from __future__ import annotations

from typing import Self

from courlan import normalize_url
from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector

from crawlers.items import PageItem

BASE_URL_PLACEHOLDER = "__BASE_URL__"


def canonical_url(url: str) -> str:
    """Lower-case scheme and host, default port and fragment removed, tracking parameters dropped."""
    return str(normalize_url(url, strict=True))


class CanonicalizePipeline:
    def __init__(self, stats: StatsCollector, base_url: str | None) -> None:
        self.stats = stats
        self.base_url = canonical_url(base_url).rstrip("/") if base_url else None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        assert crawler.stats is not None
        return cls(crawler.stats, crawler.settings.get("PANTAU_BASE_URL"))

    def process_item(self, item: PageItem) -> PageItem:
        item.canonical_url = canonical_url(item.url)
        if self.base_url and item.canonical_url.startswith(self.base_url + "/"):
            item.canonical_url = BASE_URL_PLACEHOLDER + item.canonical_url.removeprefix(self.base_url)
        if item.canonical_url != item.url:
            self.stats.inc_value("pantau/canonicalize/changed")
        return item
