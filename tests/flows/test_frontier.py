"""The crawl frontier over the demo sites: what an entry page listed is fetched until it is stored, whatever
the entry page answers later; a failed page is tried again on later cycles and given up after the last."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import delete, select, update

from config.settings import Settings, get_settings
from db.models import Document, FrontierEntry, FrontierState, SourceState
from db.session import transaction
from flows.crawling import crawl_sources
from flows.runtime import Runtime
from flows.source_health import health_report

FAILING_PAGE = "_broken/500.html"  # the demo's arsip lists it; it always answers 500 (and a page that 404s)


@pytest.fixture
def retrying(
    settings: Settings,
    demo_site: str,
    monkeypatch: pytest.MonkeyPatch,
    initialised: Callable[[Settings, str | None], None],
) -> Iterator[Runtime]:
    """The demo over a fresh database, failed pages due again at once, three attempts at most."""
    monkeypatch.setenv("PANTAU_FRONTIER_RETRY_MINUTES", "0")
    monkeypatch.setenv("PANTAU_FRONTIER_MAX_ATTEMPTS", "3")
    get_settings.cache_clear()
    initialised(get_settings(), demo_site)
    runtime = Runtime(get_settings(), base_url=demo_site)
    yield runtime
    runtime.close()


def _entry(runtime: Runtime, suffix: str) -> FrontierEntry:
    with runtime.sessions() as session:
        return session.scalars(select(FrontierEntry).where(FrontierEntry.url.endswith(suffix))).one()


@pytest.mark.slow
def test_a_failed_article_is_retried_each_cycle_then_given_up(retrying: Runtime) -> None:
    crawl_sources(retrying, ["arsip"])
    first = _entry(retrying, FAILING_PAGE)
    assert (first.state, first.attempts, first.last_error) == (FrontierState.PENDING, 1, "http_500")

    second = crawl_sources(retrying, ["arsip"])
    assert second.skipped["not_modified"] == 1  # the listing did not change: only the frontier is fetched
    assert second.failed == {"http_500": 1, "http_404": 1}
    assert _entry(retrying, FAILING_PAGE).attempts == 2

    third = crawl_sources(retrying, ["arsip"])
    assert third.given_up == 2
    given_up = _entry(retrying, FAILING_PAGE)
    assert (given_up.state, given_up.attempts) == (FrontierState.GIVEN_UP, 3)

    fourth = crawl_sources(retrying, ["arsip"])
    assert fourth.failed == {} and fourth.pages_fetched == 1  # the listing (304); the page is not tried again
    health = {row.slug: row for row in health_report(retrying)}
    assert health["arsip"].given_up == 3  # with the page too large to fetch, given up at once


@pytest.mark.slow
def test_a_listed_page_not_stored_is_fetched_even_when_its_listing_answers_304(retrying: Runtime) -> None:
    """What a crawl that died after listing leaves behind: validators of the feed, an article unstored."""
    crawl_sources(retrying, ["wartakutim"])
    with transaction(retrying.sessions) as session:
        lost = session.scalars(
            select(Document).where(Document.url.endswith("jalan-rusak-bengalon.html"))
        ).one()
        session.execute(delete(Document).where(Document.id == lost.id))
        session.execute(
            update(FrontierEntry)
            .where(FrontierEntry.canonical_url == lost.canonical_url)
            .values(state=FrontierState.PENDING)
        )
        assert session.scalars(select(SourceState)).first() is not None  # the feed's validators are kept

    again = crawl_sources(retrying, ["wartakutim"])
    assert again.skipped["not_modified"] == 1
    assert again.stored == 1
    with retrying.sessions() as session:
        urls = session.scalars(select(Document.url).where(Document.url.endswith("jalan-rusak-bengalon.html")))
        assert len(urls.all()) == 1
