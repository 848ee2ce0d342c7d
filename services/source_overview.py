"""A region's sources and their health, as its manager reads them in the console (read-only: sources are
configured in the sources YAML file, whose name the page shows)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from config.settings import PROJECT_ROOT
from db.local_time import local_display
from db.models import Region
from db.session import transaction
from flows.crawling import mark_interrupted_runs
from flows.runtime import Runtime
from flows.source_health import health

PLATFORM_LABELS = {
    "rss": "RSS",
    "sitemap": "Sitemap",
    "listing": "Halaman daftar",
    "wordpress": "WordPress",
    "x": "X",
    "telegram": "Telegram",
    "youtube": "YouTube",
    "facebook": "Facebook",
    "instagram": "Instagram",
}


@dataclass(frozen=True)
class SourceRow:
    slug: str
    name: str
    platform: str
    enabled: bool
    status: str  # flows.source_health: sehat, sepi, bermasalah, belum dirayapi, nonaktif, terputus
    last_success: str | None  # the region's local time
    last_document: str | None
    documents_per_day: float
    error_percent: str | None
    last_error: str | None
    last_error_at: str | None
    pending: int
    given_up: int
    quarantined_week: int


@dataclass(frozen=True)
class SourceOverview:
    rows: list[SourceRow]
    sources_file: str  # where the sources are configured
    stale_hours: int


def _shown_path(path: Path) -> str:
    """The sources file as a reader finds it: relative to the project when it is inside it."""
    resolved = path.resolve()
    return str(resolved.relative_to(PROJECT_ROOT)) if resolved.is_relative_to(PROJECT_ROOT) else str(resolved)


def _local(moment: datetime | None, timezone: str) -> str | None:
    return local_display(moment, timezone) if moment is not None else None


def region_sources(runtime: Runtime, region_id: int) -> SourceOverview:
    """The health of the region's configured sources (after marking crawls whose process died as interrupted),
    by name; times in the region's local time."""
    settings = runtime.settings
    with transaction(runtime.sessions) as session:
        mark_interrupted_runs(session, settings)
    rows = []
    with runtime.sessions() as session:
        region = session.get_one(Region, region_id)
        timezone = region.timezone
        mine = [source for source in runtime.catalog.sources if source.region == region.code]
        for source in sorted(mine, key=lambda s: s.name.lower()):
            found = health(session, source, settings.source_stale_hours)

            rows.append(
                SourceRow(
                    slug=found.slug,
                    name=found.name,
                    platform=PLATFORM_LABELS.get(found.platform, found.platform),
                    enabled=found.enabled,
                    status=found.status,
                    last_success=_local(found.last_success_at, timezone),
                    last_document=_local(found.last_document_at, timezone),
                    documents_per_day=found.documents_per_day,
                    error_percent=f"{found.error_rate * 100:.0f}%" if found.error_rate is not None else None,
                    last_error=found.last_error,
                    last_error_at=_local(found.last_error_at, timezone),
                    pending=found.pending,
                    given_up=found.given_up,
                    quarantined_week=found.quarantined_week,
                )
            )
    return SourceOverview(rows, _shown_path(settings.sources_file), settings.source_stale_hours)
