"""A configured source of documents (a news site now; social connectors later)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from db.base import Base, UTCDateTime, utcnow
from db.models.region import Region


class Source(Base):
    __tablename__ = "source"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True)
    platform: Mapped[str] = mapped_column(String(20))
    url: Mapped[str] = mapped_column(String(2048))
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    enabled: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    region: Mapped[Region] = relationship()


class SourceState(Base):
    """What a source's crawls remember between cycles: the HTTP validators (ETag, Last-Modified) of its
    entry pages, so an unchanged feed, sitemap or listing is answered 304 and nothing under it is fetched;
    for a social source, the cursor (newest post id) to resume from."""

    __tablename__ = "source_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("source.id"), unique=True)
    validators: Mapped[dict[str, dict[str, str]]] = mapped_column(JSON, default=dict)  # url -> headers
    cursor: Mapped[str | None] = mapped_column(String(200))  # social connectors: newest post id seen
    retry_after: Mapped[datetime | None] = mapped_column(UTCDateTime)  # a platform's rate limit lifts then
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
