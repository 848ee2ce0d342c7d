"""The crawl store on real databases: batched documents settle their frontier entries; a row the database
refuses is stored quarantined with the reason; a page that made a pipeline fail is stored quarantined; a
database that goes away stops the crawl loudly and loses nothing it had committed."""

from __future__ import annotations

import gzip
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta, timezone

import psycopg
import pytest
from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.test import get_crawler
from sqlalchemy import select
from sqlalchemy.engine import make_url
from twisted.python.failure import Failure

from config.settings import Settings
from crawlers.items import PageItem
from crawlers.pipelines.persist import PersistPipeline
from crawlers.store import CrawlStore, Outcome, StoreUnavailable, document_row
from db.frontier import Listed, RetryPolicy
from db.models import Document, DocumentStatus, FrontierEntry, FrontierState
from flows.runtime import Runtime
from flows.setup import initialise
from tests.conftest import NO_CRAWL

SLUG = "wartakutim"
POLICY = RetryPolicy(max_attempts=2, retry_minutes=0)


@pytest.fixture
def store(settings: Settings, initialised: Callable[[Settings, str | None], None]) -> Iterator[CrawlStore]:
    initialised(settings, NO_CRAWL)
    crawl_store = CrawlStore(settings.resolved_database_url, None, POLICY)
    yield crawl_store
    crawl_store.engine.dispose()


@pytest.fixture
def stats() -> MemoryStatsCollector:
    return MemoryStatsCollector(get_crawler())


def _row(store: CrawlStore, name: str, **fields: object) -> dict[str, object]:
    url = f"https://berita.example/{name}.html"
    values: dict[str, object] = {
        "title": "Jalan rusak",
        "text": "Jalan rusak di Sangatta. " * 20,
        "raw_gzip": gzip.compress(b"<html></html>"),
        **fields,
    }
    return document_row(
        source_id=store.source_id(SLUG),
        crawl_run_id=None,
        url=url,
        canonical_url=url,
        quarantine_reason=None,
        fetched_at=datetime.now(UTC),
        **values,
    )


def _listed(store: CrawlStore, *names: str) -> None:
    listed = [Listed(f"https://berita.example/{n}.html", f"https://berita.example/{n}.html") for n in names]
    assert set(store.admit(SLUG, listed).values()) == {"fetch"}


def _documents(store: CrawlStore) -> dict[str, Document]:
    with store.sessions() as session:
        return {d.url.rsplit("/", 1)[-1]: d for d in session.scalars(select(Document))}


def _states(store: CrawlStore) -> dict[str, str]:
    with store.sessions() as session:
        return {e.url.rsplit("/", 1)[-1]: e.state for e in session.scalars(select(FrontierEntry))}


def test_documents_settle_their_frontier_entries_and_repeats_count_as_duplicates(
    store: CrawlStore, stats: MemoryStatsCollector
) -> None:
    _listed(store, "a", "b")
    for name in ("a", "b", "a"):
        key = f"https://berita.example/{name}.html"
        store.add(Outcome(SLUG, stats, key, document=_row(store, name)))
    assert _documents(store) == {}  # buffered until a flush
    store.flush()
    assert set(_documents(store)) == {"a.html", "b.html"}
    assert _states(store) == {"a.html": FrontierState.STORED, "b.html": FrontierState.STORED}
    assert stats.get_value("pantau/persist/ok") == 2 and stats.get_value("pantau/persist/duplicate") == 1
    assert store.admit(SLUG, [Listed("https://berita.example/a.html", "https://berita.example/a.html")]) == {
        "https://berita.example/a.html": "already_stored"
    }


def test_a_row_the_database_refuses_is_stored_quarantined_with_the_reason(
    store: CrawlStore, stats: MemoryStatsCollector
) -> None:
    """A time off the calendar once made the whole page vanish (OverflowError while binding it)."""
    _listed(store, "good", "bad")
    year_one = datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=14)))
    store.add(Outcome(SLUG, stats, "https://berita.example/good.html", document=_row(store, "good")))
    bad = _row(store, "bad", published_at=year_one)
    store.add(Outcome(SLUG, stats, "https://berita.example/bad.html", document=bad))
    store.flush()
    documents = _documents(store)
    assert documents["good.html"].status == DocumentStatus.OK  # its batch-mate is not lost with it
    assert documents["bad.html"].status == DocumentStatus.QUARANTINED
    assert "database refused the page" in (documents["bad.html"].quarantine_reason or "")
    assert "Overflow" in (documents["bad.html"].quarantine_reason or "")
    assert _states(store)["bad.html"] == FrontierState.QUARANTINED
    assert stats.get_value("pantau/persist/quarantined") == 1


def test_a_page_that_made_a_pipeline_fail_is_stored_quarantined(
    store: CrawlStore, stats: MemoryStatsCollector, settings: Settings
) -> None:
    _listed(store, "boom")
    crawler = get_crawler(settings_dict={"PANTAU_DATABASE_URL": settings.resolved_database_url})
    pipeline = PersistPipeline(stats, store)
    item = PageItem(
        source_slug=SLUG,
        region_code="64.08",
        url="https://berita.example/boom.html",
        http_status=200,
        body=b"<html>...</html>",
        content_type="text/html",
        fetched_at=datetime.now(UTC),
        frontier_key="https://berita.example/boom.html",
    )
    try:
        raise OverflowError("date value out of range")
    except OverflowError:
        failure = Failure()
    pipeline.item_error(item, None, crawler.spider, failure)
    store.flush()
    boom = _documents(store)["boom.html"]
    assert boom.status == DocumentStatus.QUARANTINED
    assert boom.quarantine_reason == "internal error: OverflowError: date value out of range"
    assert _states(store)["boom.html"] == FrontierState.QUARANTINED


def test_failed_fetches_wait_and_are_given_up_after_the_last_attempt(
    store: CrawlStore, stats: MemoryStatsCollector
) -> None:
    _listed(store, "flaky", "huge")
    key = "https://berita.example/flaky.html"
    store.add(Outcome(SLUG, stats, key, failure="http_503"))
    store.add(Outcome(SLUG, stats, "https://berita.example/huge.html", failure="too big", permanent=True))
    store.flush()
    assert _states(store) == {"flaky.html": FrontierState.PENDING, "huge.html": FrontierState.GIVEN_UP}
    assert [listed.url for listed in store.due(SLUG, 10)] == [key]  # retry_minutes=0: due at once
    store.add(Outcome(SLUG, stats, key, failure="http_503"))
    store.flush()
    assert _states(store)["flaky.html"] == FrontierState.GIVEN_UP
    assert stats.get_value("pantau/frontier/given_up") == 2
    assert store.due(SLUG, 10) == []


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_database_that_goes_away_stops_the_crawl_and_keeps_what_was_committed(
    postgres_server: str, settings: Settings, stats: MemoryStatsCollector
) -> None:
    """Shown on PostgreSQL, whose server can refuse connections to one database while the test holds on."""
    url = settings.resolved_database_url
    runtime = Runtime(settings, base_url=NO_CRAWL)
    initialise(runtime)
    runtime.close()
    store = CrawlStore(url, None, POLICY)
    stopped: list[str] = []
    store.on_unavailable = stopped.append
    _listed(store, "kept", "later")
    store.add(Outcome(SLUG, stats, "https://berita.example/kept.html", document=_row(store, "kept")))
    store.flush()
    row = _row(store, "later")
    store.engine.dispose()
    name = make_url(url).database
    with psycopg.connect(postgres_server, autocommit=True) as admin:
        admin.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false')
        admin.execute(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'")
    try:
        store.add(Outcome(SLUG, stats, "https://berita.example/later.html", document=row))
        with pytest.raises(StoreUnavailable, match="database unavailable"):
            store.flush()
        assert stopped and "database unavailable" in stopped[0]
    finally:
        with psycopg.connect(postgres_server, autocommit=True) as admin:
            admin.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true')
    store.engine.dispose()
    assert set(_documents(store)) == {"kept.html"}
    assert _states(store) == {"kept.html": FrontierState.STORED, "later.html": FrontierState.PENDING}
