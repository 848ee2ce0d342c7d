"""A fetched page or post, stored once per source and canonical URL; never edited after storing."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from db.base import Base, UTCDateTime, utcnow
from db.models.source import Source


class DocumentStatus(StrEnum):
    OK = "ok"  # text extracted and valid: goes to triage
    QUARANTINED = "quarantined"  # stored with the reason it cannot be used (empty, too large, no text...)


class Document(Base):
    __tablename__ = "document"
    __table_args__ = (
        UniqueConstraint("source_id", "canonical_url", "version"),
        Index("ix_document_content_hash", "content_hash"),
        # a source's health: its latest document, and how many it stored this week
        Index("ix_document_source_fetched", "source_id", "fetched_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("source.id"))  # indexed by the unique triple
    crawl_run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_run.id"), index=True)
    url: Mapped[str] = mapped_column(String(2048))
    canonical_url: Mapped[str] = mapped_column(String(2048))
    version: Mapped[int] = mapped_column(default=1)
    status: Mapped[str] = mapped_column(String(20), default=DocumentStatus.OK)
    quarantine_reason: Mapped[str | None] = mapped_column(String(500))
    http_status: Mapped[int | None]
    encoding: Mapped[str | None] = mapped_column(String(40))
    content_hash: Mapped[str | None] = mapped_column(String(64))
    title: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str | None] = mapped_column(Text)
    author: Mapped[str | None] = mapped_column(String(300))
    # social handles are never stored in clear: an HMAC of platform and handle (nlp.privacy.hash_handle)
    author_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    engagement: Mapped[dict[str, int] | None] = mapped_column(JSON)  # social posts: likes, reposts, views...
    language: Mapped[str | None] = mapped_column(String(10))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    raw_gzip: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    # what extraction had to guess, with why: a charset that did not decode as declared, a refused date
    notes: Mapped[dict[str, str] | None] = mapped_column(JSON)

    source: Mapped[Source] = relationship()
