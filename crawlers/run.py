"""Run one crawl in its own process (Scrapy's reactor cannot restart): ``python -m crawlers.run``.

The flow starts this module as a subprocess with a crawl-run id and the source slugs, and reads back the
per-source counters from ``--stats-file``. A source whose slug names its own spider uses it; every other
source runs on the config-driven ``news`` spider.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.utils.project import get_project_settings

from crawlers.spiders.news import NewsSpider

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


def crawl(sources: list[str], run_id: int | None, base_url: str | None) -> dict[str, dict[str, Any]]:
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawlers.settings")
    settings = get_project_settings()
    settings.set("PANTAU_CRAWL_RUN_ID", run_id)
    settings.set("PANTAU_BASE_URL", base_url)
    process = CrawlerProcess(settings)
    crawlers = []
    for slug in sources:
        crawler = process.create_crawler(_spider_class(process, slug))
        process.crawl(crawler, source=slug)
        crawlers.append((slug, crawler))
    process.start()
    return {
        slug: {k: v for k, v in crawler.stats.get_stats().items() if k.startswith(COUNTED)}
        for slug, crawler in crawlers
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Crawl Pantau sources in this process.")
    parser.add_argument("--source", action="append", required=True, help="source slug (repeatable)")
    parser.add_argument("--run-id", type=int, default=None)
    parser.add_argument("--base-url", default=None, help="value of __BASE_URL__ in the sources file")
    parser.add_argument("--stats-file", type=Path, required=True)
    args = parser.parse_args(argv)
    stats = crawl(args.source, args.run_id, args.base_url)
    args.stats_file.write_text(json.dumps(stats, indent=2, sort_keys=True), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
