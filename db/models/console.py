"""What people change in the console, kept beside the YAML configuration: watchlist versions and the
configuration values the last sync applied (so a console edit stands until the YAML itself changes)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, UTCDateTime, utcnow


class WatchlistVersion(Base):
    """One version of a region's keyword watchlist. The newest version of a name is the one in force;
    ``active`` False retires the watchlist. Every version stays, with who wrote it and why."""

    __tablename__ = "watchlist_version"
    __table_args__ = (UniqueConstraint("region_id", "name", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    version: Mapped[int]
    query: Mapped[str] = mapped_column(Text)
    priority: Mapped[int] = mapped_column(default=1)
    active: Mapped[bool] = mapped_column(default=True)
    origin: Mapped[str] = mapped_column(String(20), default="console")  # console | config (the YAML)
    created_by: Mapped[str] = mapped_column(String(120))
    reason: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ConfigSnapshot(Base):
    """The value a field had in the YAML when the last sync applied it. The sync changes a field in the
    database only when the YAML's value differs from this one: a console edit stands until someone changes
    the same field in the YAML, and then the YAML's new decision wins (both are audited)."""

    __tablename__ = "config_snapshot"
    __table_args__ = (UniqueConstraint("entity_type", "entity_id", "field"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entity_type: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int]
    field: Mapped[str] = mapped_column(String(60))
    value: Mapped[Any] = mapped_column(JSON)
