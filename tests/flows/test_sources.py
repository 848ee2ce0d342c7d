"""Source health and `pantau sources test` against the local demo sites, on both databases."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from db.base import utcnow
from db.models import CrawlRun, Document, Source
from db.session import transaction
from flows.crawling import probe_source
from flows.runtime import Runtime
from flows.source_health import FAILING, HEALTHY, NEVER_CRAWLED, QUIET, health


def test_probe_fetches_one_article_and_stores_nothing(runtime: Runtime) -> None:
    stats, pages = probe_source(runtime, "wartakutim")
    assert len(pages) == 1
    assert pages[0]["title"] and len(pages[0]["text"]) > 200 and pages[0]["published_at"]
    assert stats["pantau/dedupe/dropped/article_limit_reached"] == 11
    with runtime.sessions() as session:
        assert session.scalar(select(func.count(Document.id))) == 0


def _run(
    runtime: Runtime, slug: str, stats: dict[str, int], hours_ago: float, status: str = "succeeded"
) -> None:
    with transaction(runtime.sessions) as session:
        finished = utcnow() - timedelta(hours=hours_ago)
        session.add(CrawlRun(sources=[slug], stats={slug: stats}, status=status, finished_at=finished))


def _document(runtime: Runtime, slug: str, hours_ago: float) -> None:
    with transaction(runtime.sessions) as session:
        source = session.scalars(select(Source).where(Source.slug == slug)).one()
        url = f"https://example.test/{slug}/{hours_ago}"
        session.add(Document(source_id=source.id, url=url, canonical_url=url,
                             fetched_at=utcnow() - timedelta(hours=hours_ago)))  # fmt: skip


def test_health_tells_healthy_quiet_failing_and_never_crawled(runtime: Runtime) -> None:
    ok = {"downloader/request_count": 10, "pantau/fetch_failed/http_404": 1}
    _run(runtime, "wartakutim", ok, hours_ago=1)
    _document(runtime, "wartakutim", hours_ago=1)
    _run(runtime, "kabarsangatta", {"downloader/request_count": 3}, hours_ago=2)
    _document(runtime, "kabarsangatta", hours_ago=24 * 5)  # nothing new for five days
    _run(runtime, "arsip", {"downloader/request_count": 2, "pantau/fetch_failed/http_500": 2}, hours_ago=3)
    sources = {s.slug: s for s in runtime.catalog.sources}
    with runtime.sessions() as session:
        result = {slug: health(session, source, stale_hours=72) for slug, source in sources.items()}
    assert result["wartakutim"].status == HEALTHY
    assert result["wartakutim"].error_rate == 0.1 and result["wartakutim"].documents_per_day == round(
        1 / 7, 1
    )
    assert "http_404 x1" in (result["wartakutim"].last_error or "")
    assert result["kabarsangatta"].status == QUIET
    assert result["arsip"].status == FAILING and "http_500 x2" in (result["arsip"].last_error or "")


def test_a_source_never_crawled_says_so(runtime: Runtime) -> None:
    source = runtime.catalog.sources[0]
    with runtime.sessions() as session:
        assert health(session, source, stale_hours=72).status == NEVER_CRAWLED
