"""The baseline of bench/crawl_bench.py: a bare Scrapy ``CrawlSpider`` with plain trafilatura in a pipeline.

    .venv/bin/python bench/bare_spider.py --base-url http://127.0.0.1:PORT --outlets 8 --output OUT.jsonl

It starts from each synthetic outlet's ``index.html``, follows the article links, and an item pipeline calls
``trafilatura.extract(response.text)`` with default options on the crawl's event loop, writing one JSON line
(url, text) per article: the file is the baseline's "store", as the database is Pantau's. Scrapy's own
settings, none of Pantau's: no robots.txt, no delay, no AutoThrottle, no cache, 16 requests at a time.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, Self

import trafilatura
from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.http import Response
from scrapy.linkextractors import LinkExtractor
from scrapy.spiders import CrawlSpider, Rule

ARTICLE_LINKS = r"/s\d+/berita/\d+-laporan-warga\.html$"
SETTINGS: dict[str, Any] = {
    "ROBOTSTXT_OBEY": False,
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "HTTPCACHE_ENABLED": False,
    # the outlets share one host:port, so this is 16 connections for all of them together
    "CONCURRENT_REQUESTS": 16,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
    "TELNETCONSOLE_ENABLED": False,
    "LOG_LEVEL": "WARNING",
}


class BareSpider(CrawlSpider):
    name = "bare"
    rules = (Rule(LinkExtractor(allow=ARTICLE_LINKS), callback="parse_article"),)

    def __init__(self, base_url: str, outlets: int, **kwargs: Any) -> None:
        self.start_urls = [f"{base_url}/s{i}/index.html" for i in range(outlets)]
        super().__init__(**kwargs)

    def parse_article(self, response: Response) -> Iterator[dict[str, str]]:
        yield {"url": response.url, "html": response.text}


class TrafilaturaPipeline:
    """Plain ``trafilatura.extract`` on every page, in the crawl's process and event loop."""

    def __init__(self, output: Path) -> None:
        self.output = output
        self.file: IO[str] | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(Path(crawler.settings["BARE_OUTPUT"]))

    def open_spider(self) -> None:
        self.file = self.output.open("w", encoding="utf-8")

    def close_spider(self) -> None:
        if self.file is not None:
            self.file.close()

    def process_item(self, item: dict[str, str]) -> dict[str, str]:
        assert self.file is not None
        text = trafilatura.extract(item["html"]) or ""
        self.file.write(json.dumps({"url": item["url"], "text": text}, ensure_ascii=False) + "\n")
        return {"url": item["url"]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--outlets", type=int, required=True)
    parser.add_argument("--output", type=Path, required=True)
    args = parser.parse_args(argv)
    settings = {**SETTINGS, "ITEM_PIPELINES": {TrafilaturaPipeline: 300}, "BARE_OUTPUT": str(args.output)}
    process = CrawlerProcess(settings)
    process.crawl(BareSpider, base_url=args.base_url, outlets=args.outlets)
    process.start()
    return 0


if __name__ == "__main__":
    sys.exit(main())
