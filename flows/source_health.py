"""Source health for Diskominfo: per source, the last successful crawl, documents per day, error rate, the
last error, whether it has gone quiet (no new document for ``source_stale_hours``), whether its last crawl
was interrupted, and what the frontier holds (articles still pending, articles given up after their last
attempt) and what was quarantined this week.

A crawl counts against a source when the crawl failed or was interrupted, or when the source's entry page
failed (a redirect loop, a 500, a feed that cannot be read): a source whose entry page fails is failing
however few of its requests failed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from config.schema import SourceDef
from db import frontier
from db.base import utcnow
from db.models import CrawlRun, CrawlRunStatus, Document, DocumentStatus, FrontierState, Source
from db.session import transaction
from flows.crawling import mark_interrupted_runs
from flows.runtime import Runtime
from flows.social import READ, SKIPPED

HEALTHY, QUIET, FAILING, NEVER_CRAWLED, DISABLED = "sehat", "sepi", "bermasalah", "belum dirayapi", "nonaktif"
INTERRUPTED = "terputus"  # its last crawl died part-way (killed, machine down): the next cycle resumes it
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
    last_error_at: datetime | None
    pending: int = 0  # articles listed and not stored yet (fetched by the next cycle when due)
    given_up: int = 0  # articles that failed every attempt
    quarantined_week: int = 0  # pages stored as unusable in the last seven days, each with its reason
    last_read: int | None = None  # social sources: items the platform gave in the last run that answered
    last_skipped: dict[str, int] = field(default_factory=dict)  # ... and those not stored, by reason


FAILURE_PREFIXES = ("pantau/fetch_failed/", "pantau/persist/failed/")


def _failures(stats: dict[str, Any]) -> dict[str, int]:
    found: dict[str, int] = {}
    for key, value in stats.items():
        for prefix in FAILURE_PREFIXES:
            if key.startswith(prefix):
                found[key.removeprefix(prefix)] = found.get(key.removeprefix(prefix), 0) + int(value)
    return found


def _entry_failed(stats: dict[str, Any]) -> list[str]:
    prefix = "pantau/entry/failed/"
    return [k.removeprefix(prefix) for k in stats if k.startswith(prefix)]


def _failed_for(run: CrawlRun, slug: str) -> bool:
    """Whether ``run`` failed as a whole or failed to read the source's entry page."""
    return run.status != CrawlRunStatus.SUCCEEDED or bool(_entry_failed(run.stats.get(slug, {})))


def _requests(stats: dict[str, Any]) -> int:
    return int(stats.get("downloader/request_count", 0)) + int(stats.get("pantau/not_modified", 0))


def _runs_of(session: Session, slug: str) -> list[CrawlRun]:
    """The latest finished crawls whose sources included ``slug``, newest first."""
    runs = session.scalars(
        select(CrawlRun).where(CrawlRun.finished_at.is_not(None)).order_by(CrawlRun.id.desc()).limit(200)
    )
    return [run for run in runs if slug in run.sources][:RECENT_RUNS]


def _last_error(runs: list[CrawlRun], slug: str) -> tuple[str | None, datetime | None]:
    """What went wrong in the latest crawl of ``slug`` that had a problem, and when it ended."""
    for run in runs:
        stats = run.stats.get(slug, {})
        entry = _entry_failed(stats)
        failures = _failures(stats)
        if run.error:
            return run.error[:200], run.finished_at
        if entry:
            return f"halaman masuk gagal ({', '.join(sorted(entry))})", run.finished_at
        if failures:
            return ", ".join(
                f"{reason} x{count}" for reason, count in sorted(failures.items())
            ), run.finished_at
    return None, None


def health(
    session: Session, source: SourceDef, stale_hours: int, now: datetime | None = None
) -> SourceHealth:
    now = now or utcnow()
    runs = _runs_of(session, source.slug)
    succeeded = [
        r for r in runs if not _failed_for(r, source.slug) and _requests(r.stats.get(source.slug, {}))
    ]
    requests = sum(_requests(r.stats.get(source.slug, {})) for r in runs)
    failures = sum(sum(_failures(r.stats.get(source.slug, {})).values()) for r in runs)
    failures += sum(1 for r in runs if _failed_for(r, source.slug))
    of_source = (Document.source_id == Source.id, Source.slug == source.slug)
    last_document = session.scalar(select(func.max(Document.fetched_at)).where(*of_source))
    this_week = Document.fetched_at >= now - timedelta(days=7)
    week = session.scalar(select(func.count(Document.id)).where(*of_source, this_week))
    quarantined = session.scalar(
        select(func.count(Document.id)).where(
            *of_source, this_week, Document.status == DocumentStatus.QUARANTINED
        )
    )
    source_id = session.scalar(select(Source.id).where(Source.slug == source.slug))
    held = frontier.counts(session, source_id) if source_id is not None else {}
    error_rate = failures / max(requests, 1) if runs else None
    answered = next((r.stats[source.slug] for r in runs if READ in r.stats.get(source.slug, {})), None)
    last_error, last_error_at = _last_error(runs, source.slug)
    if not source.enabled:
        status = DISABLED
    elif not runs:
        status = NEVER_CRAWLED
    elif runs[0].status == CrawlRunStatus.INTERRUPTED:
        status = INTERRUPTED
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
        last_error=last_error,
        last_error_at=last_error_at,
        pending=held.get(FrontierState.PENDING, 0),
        given_up=held.get(FrontierState.GIVEN_UP, 0),
        quarantined_week=quarantined or 0,
        last_read=None if answered is None else int(answered[READ]),
        last_skipped={
            k.removeprefix(SKIPPED): int(v) for k, v in (answered or {}).items() if k.startswith(SKIPPED)
        },
    )


def health_report(runtime: Runtime) -> list[SourceHealth]:
    """The health of every configured source, after marking the runs whose process died as interrupted."""
    with transaction(runtime.sessions) as session:
        mark_interrupted_runs(session, runtime.settings)
    stale = runtime.settings.source_stale_hours
    with runtime.sessions() as session:
        return [health(session, source, stale) for source in runtime.catalog.sources]
