"""One incident in the world, with one or more Detections attached: the unit an operator reviews."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from db.base import Base, UTCDateTime, utcnow
from db.models.detection import Detection
from db.models.region import Agency, Region


class IssueStatus(StrEnum):
    OPEN = "open"
    MERGED = "merged"
    CLOSED = "closed"


class Issue(Base):
    __tablename__ = "issue"
    # the review queue walks a region's issues in its order (urgent, then priority) and stops at a page
    __table_args__ = (Index("ix_issue_queue_order", "region_id", "urgent", "priority"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True)
    title: Mapped[str] = mapped_column(Text)
    function: Mapped[str | None] = mapped_column(String(40))
    kecamatan_code: Mapped[str | None] = mapped_column(String(20))
    desa_code: Mapped[str | None] = mapped_column(String(20))
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"))
    place_status: Mapped[str] = mapped_column(String(20), default="unknown")
    urgent: Mapped[bool] = mapped_column(default=False)
    priority: Mapped[int] = mapped_column(default=0)
    mention_count: Mapped[int] = mapped_column(default=1)
    status: Mapped[str] = mapped_column(String(20), default=IssueStatus.OPEN)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("issue.id"))
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    region: Mapped[Region] = relationship()
    agency: Mapped[Agency | None] = relationship()
    detections: Mapped[list[Detection]] = relationship(foreign_keys=[Detection.issue_id])
