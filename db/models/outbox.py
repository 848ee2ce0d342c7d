"""Outboxes: intents written in the same transaction as the change that causes them, delivered later.

``Filing``: one per approved report, delivered to LAPOR! by the filing worker (api mode) or waiting for the
operator to type it in (manual mode). ``Notification``: one message to one recipient over one channel, with
the log of whether it arrived. A delivery is claimed with a lease: a worker that dies leaves it to be taken
over when the lease runs out, and the idempotency key makes the second send harmless.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from db.base import Base, UTCDateTime, utcnow
from db.models.report import Report


class DeliveryState(StrEnum):
    PENDING = "pending"  # to send (again, from next_attempt_at)
    SENDING = "sending"  # claimed by a worker until lease_until
    WAITING_ENTRY = "waiting_entry"  # manual filing: the operator types it into LAPOR! (siap diinput)
    DONE = "done"  # delivered and recorded
    FAILED = "failed"  # given up after too many tries, or refused for good; the reason is kept
    CANCELLED = "cancelled"  # its report went back to review before it was sent


class Filing(Base):
    __tablename__ = "filing"
    __table_args__ = (Index("ix_filing_due", "state", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id"), unique=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True)
    mode: Mapped[str] = mapped_column(String(10))  # config.schema.LaporMode
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    state: Mapped[str] = mapped_column(String(20), default=DeliveryState.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(120))
    last_error: Mapped[str | None] = mapped_column(String(1000))
    last_error_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    refused: Mapped[bool] = mapped_column(default=False)  # LAPOR! refused it for good: nothing was stored
    tracking_id: Mapped[str | None] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    report: Mapped[Report] = relationship()


class LaporBreaker(Base):
    """The circuit breaker of one region's LAPOR! API: shared by every filing worker through the database."""

    __tablename__ = "lapor_breaker"

    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(1000))


class Notification(Base):
    __tablename__ = "notification"
    __table_args__ = (
        UniqueConstraint("dedupe_key"),
        Index("ix_notification_due", "state", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True)
    report_id: Mapped[int | None] = mapped_column(ForeignKey("report.id"), index=True)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))  # forwarded | warning | escalation | digest
    channel: Mapped[str] = mapped_column(String(20))  # email | webhook | telegram
    recipient: Mapped[str] = mapped_column(String(500))  # addresses, URL or chat id (no secrets)
    rung: Mapped[str] = mapped_column(String(40), default="liaison")
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text, default="")
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # the webhook's JSON
    secret_env: Mapped[str | None] = mapped_column(String(100))  # where the webhook's HMAC key is
    dedupe_key: Mapped[str] = mapped_column(String(200))  # one message per event, recipient and channel
    state: Mapped[str] = mapped_column(String(20), default=DeliveryState.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(120))
    last_error: Mapped[str | None] = mapped_column(String(1000))
    message_id: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class DeadlineAlert(Base):
    """A deadline warning (50/75/90 %) or escalation step raised for a report: each is raised once."""

    __tablename__ = "deadline_alert"
    __table_args__ = (UniqueConstraint("report_id", "stage", "level"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id"), index=True)
    stage: Mapped[str] = mapped_column(String(30))  # verification | first_followup | settlement
    level: Mapped[str] = mapped_column(String(40))  # "50", "75", "90", "overdue:0" (ladder step), ...
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    notified: Mapped[int] = mapped_column(default=0)  # notifications written for it
    note: Mapped[str] = mapped_column(Text, default="")  # e.g. "no contact for rung kepala_dinas"
