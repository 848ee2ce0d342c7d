"""What the two outboxes (filings, notifications) share: which rows are due, and when to try again."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy import Select, and_, or_, select

from config.settings import Settings
from db.models import DeliveryState, Filing, Notification
from services.lapor.resilience import backoff_seconds

Row = TypeVar("Row", Filing, Notification)


def due(model: type[Row], now: datetime) -> Select[tuple[Row]]:
    """Rows to deliver now: pending ones whose time has come, and ones a worker claimed but whose lease ran
    out (the worker died between claiming and recording). Claimed with ``SKIP LOCKED`` on PostgreSQL so
    concurrent workers take different rows; SQLite drops the clause and its write transaction serialises."""
    waiting = and_(model.state == DeliveryState.PENDING, model.next_attempt_at <= now)
    abandoned = and_(model.state == DeliveryState.SENDING, model.lease_until < now)
    return (
        select(model)
        .where(or_(waiting, abandoned))
        .order_by(model.next_attempt_at, model.id)
        .limit(1)
        .with_for_update(skip_locked=True, of=model)
    )


def next_try(settings: Settings, attempts: int, now: datetime, retry_after: float | None = None) -> datetime:
    """When to try again after ``attempts`` failed tries: exponential, capped, jittered."""
    base = max(settings.delivery_retry_seconds, 0.001)
    wait = backoff_seconds(
        attempts, base=base, cap=max(settings.delivery_retry_cap_seconds, base), retry_after=retry_after
    )
    return now + timedelta(seconds=wait)
