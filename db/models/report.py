"""The admin-entered LAPOR! report made from an Issue: the unit that is filed and forwarded.

Status changes go through ``db.workflow`` only, which checks the transition and writes the audit log.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from db.base import Base, UTCDateTime, utcnow
from db.models.issue import Issue
from db.models.region import Agency, Region


class ReportStatus(StrEnum):
    QUEUED = "queued"  # drafted by Pantau, waiting for an operator's review
    APPROVED = "approved"  # checked by an operator, ready to be filed into LAPOR!
    FILED = "filed"  # entered into LAPOR!, tracking ID recorded
    FORWARDED = "forwarded"  # disposisi to the OPD
    FOLLOWED_UP = "followed_up"  # the OPD posted its tindak lanjut
    CLOSED = "closed"  # selesai
    REJECTED = "rejected"  # not a complaint / not fit to file, with a reason
    NOT_AUTHORITY = "not_authority"  # bukan wewenang of this government


class Report(Base):
    __tablename__ = "report"

    id: Mapped[int] = mapped_column(primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("issue.id"), unique=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default=ReportStatus.QUEUED, index=True)
    klasifikasi: Mapped[str] = mapped_column(String(30), default="pengaduan")
    judul: Mapped[str] = mapped_column(String(300))
    isi: Mapped[str] = mapped_column(Text)
    kategori: Mapped[str] = mapped_column(String(120))
    lokasi: Mapped[str] = mapped_column(String(300))
    source_links: Mapped[list[str]] = mapped_column(JSON, default=list)
    anonim: Mapped[bool] = mapped_column(default=True)
    rahasia: Mapped[bool] = mapped_column(default=False)
    tracking_id: Mapped[str | None] = mapped_column(String(60))
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    verification_due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    filed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    forwarded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    followup_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    followed_up_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    issue: Mapped[Issue] = relationship()
    region: Mapped[Region] = relationship()
    agency: Mapped[Agency | None] = relationship()
