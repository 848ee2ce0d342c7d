"""The admin-entered LAPOR! report made from an Issue: the unit that is filed and forwarded.

Status changes go through ``db.workflow`` only, which checks the transition and writes the audit log. The
``version`` column makes every update conditional on the version read (optimistic locking): of two operators
acting on one report at once, the second gets a conflict instead of overwriting the first.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from db.base import Base, UTCDateTime, utcnow
from db.models.issue import Issue
from db.models.region import Agency, Region


class ReportStatus(StrEnum):
    QUEUED = "queued"  # drafted by Pantau, waiting for an operator's review
    APPROVED = "approved"  # checked by an operator; its filing waits in the outbox ("siap diinput" if manual)
    FILED = "filed"  # entered into LAPOR!, tracking ID recorded; verified, not yet forwarded
    FORWARDED = "forwarded"  # disposisi to the OPD
    ACKNOWLEDGED = "acknowledged"  # the OPD's liaison has taken it up
    FOLLOWED_UP = "followed_up"  # the OPD posted its tindak lanjut
    CLOSED = "closed"  # selesai
    REJECTED = "rejected"  # not fit to file, with a reason code
    POSTPONED = "postponed"  # tunda: waiting for completion; archived after the region's days
    NOT_AUTHORITY = "not_authority"  # bukan wewenang of this government, with the body it belongs to
    ARCHIVED = "archived"  # arsipkan


class RejectReason(StrEnum):
    """Why a report is not filed (the codes an operator chooses from)."""

    NOT_A_COMPLAINT = "bukan_keluhan"
    DUPLICATE = "duplikat"
    SPAM = "spam"
    INSUFFICIENT = "data_tidak_cukup"
    OTHER = "lainnya"


class Report(Base):
    __tablename__ = "report"
    __table_args__ = (
        # the review queue's filter and count: a region's reports in some statuses, oldest first
        Index("ix_report_queue", "region_id", "status", "queued_at", "id"),
        # an OPD's inbox: its reports in some statuses (the counts from the index alone)
        Index("ix_report_inbox", "region_id", "agency_id", "status"),
        # an OPD's answered reports, the latest first
        Index("ix_report_agency_changed", "agency_id", "status_changed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(default=1)
    issue_id: Mapped[int] = mapped_column(ForeignKey("issue.id"), unique=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"))  # indexed first in ix_report_queue
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"))  # leads ix_report_agency_changed
    status: Mapped[str] = mapped_column(String(20), default=ReportStatus.QUEUED, index=True)
    klasifikasi: Mapped[str] = mapped_column(String(30), default="pengaduan")
    judul: Mapped[str] = mapped_column(String(300))
    isi: Mapped[str] = mapped_column(Text)
    kategori: Mapped[str] = mapped_column(String(120))
    lokasi: Mapped[str] = mapped_column(String(300))
    tanggal_kejadian: Mapped[datetime | None] = mapped_column(UTCDateTime)
    source_links: Mapped[list[str]] = mapped_column(JSON, default=list)
    anonim: Mapped[bool] = mapped_column(default=True)
    rahasia: Mapped[bool] = mapped_column(default=False)
    tracking_id: Mapped[str | None] = mapped_column(String(60), unique=True)
    reject_reason: Mapped[str | None] = mapped_column(String(30))
    authority_body: Mapped[str | None] = mapped_column(String(200))  # bukan wewenang: whose it is
    last_actor: Mapped[str] = mapped_column(String(120), default="system:monitor")
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    verification_due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    filed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    forwarded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    followup_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    followed_up_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    autoclose_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    settlement_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    postponed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    issue: Mapped[Issue] = relationship()
    region: Mapped[Region] = relationship()
    agency: Mapped[Agency | None] = relationship()

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class FollowUp(Base):
    """One tindak lanjut (or an acknowledgement note) an OPD posted, here or in LAPOR! (then synced)."""

    __tablename__ = "follow_up"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id"), index=True)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    author: Mapped[str] = mapped_column(String(120))
    text: Mapped[str] = mapped_column(Text)
    origin: Mapped[str] = mapped_column(String(20), default="pantau")  # pantau | lapor (status sync)
    remote_key: Mapped[str | None] = mapped_column(String(120), unique=True)  # a synced one, once


class Attachment(Base):
    """A file an OPD attached to its tindak lanjut (a photo of the repaired road, a letter as PDF), kept in
    the database with the answer in one transaction: never an answer without its files, or the reverse."""

    __tablename__ = "attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    follow_up_id: Mapped[int] = mapped_column(ForeignKey("follow_up.id"), index=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    uploaded_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
