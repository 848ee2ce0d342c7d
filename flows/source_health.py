"""Source health for Diskominfo: per source, the last successful crawl, documents per day, error rate, the
last error, and whether it has gone quiet (no new document for ``source_stale_hours``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from config.schema import SourceDef
from db.base import utcnow
from db.models import CrawlRun, Document, Source

HEALTHY, QUIET, FAILING, NEVER_CRAWLED, DISABLED = "sehat", "sepi", "bermasalah", "belum dirayapi", "nonaktif"
RECENT_RUNS = 10  # the error rate is over this many latest crawls of the source
FAILING_RATE = 0.5


@dataclass(frozen=True)
class SourceHealth:
    slug: str
    name: str
    platform: str
    region: str
    enabled: bool
    status: str
    last_success_at: datetime | None
    last_document_at: datetime | None
    documents_per_day: float
    error_rate: float | None
    last_error: str | None


def _failures(stats: dict[str, Any]) -> dict[str, int]:
    prefix = "pantau/fetch_failed/"
    return {k.removeprefix(prefix): int(v) for k, v in stats.items() if k.startswith(prefix)}


def _requests(stats: dict[str, Any]) -> int:
    return int(stats.get("downloader/request_count", 0)) + int(stats.get("pantau/not_modified", 0))


def _runs_of(session: Session, slug: str) -> list[CrawlRun]:
    """The latest finished crawls whose sources included ``slug``, newest first."""
    runs = session.scalars(
        select(CrawlRun).where(CrawlRun.finished_at.is_not(None)).order_by(CrawlRun.id.desc()).limit(200)
    )
    return [run for run in runs if slug in run.sources][:RECENT_RUNS]


def _last_error(runs: list[CrawlRun], slug: str) -> str | None:
    for run in runs:
        if run.error:
            return f"{run.finished_at:%Y-%m-%d %H:%M} UTC: {run.error[:200]}"
        failures = _failures(run.stats.get(slug, {}))
        if failures:
            listed = ", ".join(f"{reason} x{count}" for reason, count in sorted(failures.items()))
            return f"{run.finished_at:%Y-%m-%d %H:%M} UTC: {listed}"
    return None


def health(
    session: Session, source: SourceDef, stale_hours: int, now: datetime | None = None
) -> SourceHealth:
    now = now or utcnow()
    runs = _runs_of(session, source.slug)
    succeeded = [r for r in runs if r.status == "succeeded" and _requests(r.stats.get(source.slug, {}))]
    requests = sum(_requests(r.stats.get(source.slug, {})) for r in runs)
    failures = sum(sum(_failures(r.stats.get(source.slug, {})).values()) for r in runs)
    failures += sum(1 for r in runs if r.status == "failed")
    of_source = (Document.source_id == Source.id, Source.slug == source.slug)
    last_document = session.scalar(select(func.max(Document.fetched_at)).where(*of_source))
    week = session.scalar(
        select(func.count(Document.id)).where(*of_source, Document.fetched_at >= now - timedelta(days=7))
    )
    error_rate = failures / max(requests, 1) if runs else None
    if not source.enabled:
        status = DISABLED
    elif not runs:
        status = NEVER_CRAWLED
    elif (error_rate is not None and error_rate >= FAILING_RATE) or not succeeded:
        status = FAILING
    elif last_document is None or last_document < now - timedelta(hours=stale_hours):
        status = QUIET
    else:
        status = HEALTHY
    return SourceHealth(
        slug=source.slug,
        name=source.name,
        platform=source.platform.value,
        region=source.region,
        enabled=source.enabled,
        status=status,
        last_success_at=succeeded[0].finished_at if succeeded else None,
        last_document_at=last_document,
        documents_per_day=round((week or 0) / 7, 1),
        error_rate=round(error_rate, 3) if error_rate is not None else None,
        last_error=_last_error(runs, source.slug),
    )
