"""Store every page that reached here as a Document: usable or quarantined with its reason, never lost.

The raw page is kept gzip-compressed. A concurrent duplicate (unique key) is counted, not an error.
"""

from __future__ import annotations

import gzip
from typing import Self

from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector
from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError

from crawlers.items import PageItem
from db.models import Document, DocumentStatus, Source
from db.session import check_connection, make_engine, session_factory


class PersistPipeline:
    def __init__(self, stats: StatsCollector, database_url: str, crawl_run_id: int | None) -> None:
        self.stats = stats
        self.database_url = database_url
        self.crawl_run_id = crawl_run_id
        self.engine: Engine | None = None
        self.source_ids: dict[str, int] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        assert crawler.stats is not None
        run_id = crawler.settings.get("PANTAU_CRAWL_RUN_ID")
        return cls(
            crawler.stats, crawler.settings.get("PANTAU_DATABASE_URL"), int(run_id) if run_id else None
        )

    def open_spider(self) -> None:
        self.engine = make_engine(self.database_url)
        check_connection(self.engine)
        self.sessions = session_factory(self.engine)

    def close_spider(self) -> None:
        if self.engine is not None:
            self.engine.dispose()

    def _source_id(self, slug: str) -> int:
        if slug not in self.source_ids:
            with self.sessions() as session:
                source_id = session.scalar(select(Source.id).where(Source.slug == slug))
            if source_id is None:
                raise LookupError(f"source {slug!r} is not in the database: run `pantau init`")
            self.source_ids[slug] = source_id
        return self.source_ids[slug]

    def process_item(self, item: PageItem) -> PageItem:
        document = Document(
            source_id=self._source_id(item.source_slug),
            crawl_run_id=self.crawl_run_id,
            url=item.url,
            canonical_url=item.canonical_url,
            status=DocumentStatus.QUARANTINED if item.quarantine_reason else DocumentStatus.OK,
            quarantine_reason=item.quarantine_reason,
            http_status=item.http_status,
            encoding=item.encoding,
            content_hash=item.content_hash,
            title=item.title,
            text=item.text,
            author=item.author,
            language=item.language,
            published_at=item.published_at,
            fetched_at=item.fetched_at,
            raw_gzip=gzip.compress(item.body),
        )
        try:
            with self.sessions() as session, session.begin():
                session.add(document)
        except IntegrityError:
            self.stats.inc_value("pantau/persist/duplicate")
            return item
        self.stats.inc_value(f"pantau/persist/{document.status}")
        return item
