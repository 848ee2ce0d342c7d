"""One crawl of one or more sources, with its counters (pages, stored, skipped and failed by reason).

A run is ``running`` while its process lives, ``succeeded`` or ``failed`` when it ends, and ``interrupted``
when its process died without ending it (found by ``db.crawl_runs.mark_interrupted``).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, UTCDateTime, utcnow


class CrawlRunStatus(StrEnum):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    INTERRUPTED = "interrupted"


class CrawlRun(Base):
    __tablename__ = "crawl_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(20), default=CrawlRunStatus.RUNNING)
    sources: Mapped[list[str]] = mapped_column(JSON, default=list)
    stats: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    error: Mapped[str | None] = mapped_column(String(2000))
    host: Mapped[str | None] = mapped_column(String(255))  # where the process that owns the run lives
    pid: Mapped[int | None]
