"""The crawl frontier: every article URL an entry page listed, remembered until it is stored or given up.

A crawl killed part-way loses nothing: what was listed but not yet stored stays ``pending`` here and is
fetched by the next cycle, whatever the entry page answers then (even 304). A page that failed is tried again
on later cycles, with a growing wait, up to a maximum of attempts; then it is ``given_up`` with its last
error, for source health to show.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, UTCDateTime, utcnow


class FrontierState(StrEnum):
    PENDING = "pending"  # listed, not stored yet: fetched when next_try_at has come
    STORED = "stored"  # stored as a usable Document
    QUARANTINED = "quarantined"  # stored as a quarantined Document (with its reason)
    GIVEN_UP = "given_up"  # failed max-attempts times: shown in source health, not fetched again


class FrontierEntry(Base):
    __tablename__ = "frontier_entry"
    __table_args__ = (
        UniqueConstraint("source_id", "canonical_url"),
        Index("ix_frontier_entry_due", "source_id", "state", "next_try_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("source.id"))
    url: Mapped[str] = mapped_column(String(2048))  # as listed (what is requested)
    canonical_url: Mapped[str] = mapped_column(String(2048))  # the listed URL's page identity
    listed_title: Mapped[str | None] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(20), default=FrontierState.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
    next_try_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    discovered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    crawl_run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_run.id"))  # the last that touched it
