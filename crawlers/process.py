"""A crawl inside this process: Scrapy's CrawlerProcess over the given sources, one crawler each; returns
their counters. Run by ``crawlers.run`` (the crawl child process), never by the flow's own process (Scrapy's
reactor cannot restart)."""

from __future__ import annotations

import os
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.settings import Settings
from scrapy.utils.project import get_project_settings

from crawlers.extraction_workers import ExtractionWorkers
from crawlers.items import PageItem
from crawlers.spiders.news import NewsSpider
from crawlers.store import CrawlStore, store_of

COUNTED = (
    "pantau/",
    "downloader/request_count",
    "downloader/response_count",
    "item_scraped_count",
    "item_dropped_count",
    "response_received_count",
)


def _spider_class(process: CrawlerProcess, slug: str) -> type[Any]:
    if slug in process.spider_loader.list():
        return process.spider_loader.load(slug)
    return NewsSpider


PROBE_PIPELINES = {
    "crawlers.pipelines.canonicalize.CanonicalizePipeline": 100,
    "crawlers.pipelines.extract.ExtractPipeline": 300,
    "crawlers.pipelines.validate.ValidatePipeline": 400,
}


def _probe_settings(settings: Settings) -> None:
    """One article, extracted and validated but neither stored nor checked against the database."""
    settings.set("ITEM_PIPELINES", PROBE_PIPELINES)
    settings.set("DOWNLOADER_MIDDLEWARES", {})
    settings.set("PANTAU_MAX_ARTICLES", 1)
    settings.set("PANTAU_PROBE", True)
    settings.set("PANTAU_EXTRACTION_WORKERS", 0)  # one article: extracted here, no worker to start


def _collect(crawler: Crawler, found: list[dict[str, Any]]) -> None:
    """Record what each page became (for ``pantau sources test``)."""

    def scraped(item: PageItem) -> None:
        found.append(
            {
                "url": item.url,
                "title": item.title,
                "published_at": item.published_at.isoformat() if item.published_at else None,
                "encoding": item.encoding,
                "notes": item.notes,
                "text": (item.text or "")[:600],
                "quarantine_reason": item.quarantine_reason,
            }
        )

    def dropped(item: PageItem, exception: BaseException) -> None:
        found.append({"url": item.url, "dropped": str(exception)})

    crawler.signals.connect(scraped, signal=signals.item_scraped, weak=False)
    crawler.signals.connect(dropped, signal=signals.item_dropped, weak=False)


def crawl(
    sources: list[str], run_id: int | None, base_url: str | None, probe: list[dict[str, Any]] | None = None
) -> tuple[dict[str, dict[str, Any]], str | None]:
    """Crawl ``sources``; with ``probe`` (a list to fill), one article each, nothing stored. Returns the
    counters per source and, if the database went away mid-crawl, why."""
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawlers.settings")
    settings = get_project_settings()
    settings.set("PANTAU_CRAWL_RUN_ID", run_id)
    settings.set("PANTAU_BASE_URL", base_url)
    if probe is not None:
        _probe_settings(settings)
    process = CrawlerProcess(settings)
    store = store_of(settings)
    if store is not None:
        store.on_unavailable = lambda _why: process.stop()
    crawlers = []
    for slug in sources:
        crawler = process.create_crawler(_spider_class(process, slug))
        if probe is not None:
            _collect(crawler, probe)
        process.crawl(crawler, source=slug)
        crawlers.append((slug, crawler))
    try:
        process.start()
    finally:
        ExtractionWorkers.stop_shared()
        CrawlStore.close_all()
    stats = {
        slug: {k: v for k, v in crawler.stats.get_stats().items() if k.startswith(COUNTED)}
        for slug, crawler in crawlers
    }
    return stats, store.unavailable if store is not None else None
