"""Give each page its canonical URL, so the same article under two URLs is stored once.

When the sources file uses ``__BASE_URL__`` (a relocatable local mirror, as in the demo and tests), the
mirror's address is replaced by the placeholder again: a page's identity does not depend on the port the
mirror happens to be served on.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Self

from courlan import normalize_url
from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector

from crawlers.items import PageItem

BASE_URL_PLACEHOLDER = "__BASE_URL__"


@lru_cache(maxsize=4096)  # a page's URL is canonicalised when requested and again when it arrives
def canonical_url(url: str) -> str:
    """Lower-case scheme and host, default port and fragment removed, tracking parameters dropped."""
    return str(normalize_url(url, strict=True))


def page_identity(url: str, base_url: str | None) -> str:
    """The canonical URL a page is stored under; on a relocatable mirror (``base_url``, itself canonical,
    without a trailing slash) the mirror's address becomes the placeholder."""
    canonical = canonical_url(url)
    if base_url and canonical.startswith(base_url + "/"):
        return BASE_URL_PLACEHOLDER + canonical.removeprefix(base_url)
    return canonical


class CanonicalizePipeline:
    def __init__(self, stats: StatsCollector, base_url: str | None) -> None:
        self.stats = stats
        self.base_url = canonical_url(base_url).rstrip("/") if base_url else None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        assert crawler.stats is not None
        return cls(crawler.stats, crawler.settings.get("PANTAU_BASE_URL"))

    def process_item(self, item: PageItem) -> PageItem:
        item.canonical_url = page_identity(item.url, self.base_url)
        if item.canonical_url != item.url:
            self.stats.inc_value("pantau/canonicalize/changed")
        return item
