"""Named reads and writes of what a source's crawls remember (``SourceState``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Source, SourceState


def _state(session: Session, source_slug: str) -> SourceState | None:
    query = (
        select(SourceState).join(Source, SourceState.source_id == Source.id).where(Source.slug == source_slug)
    )
    return session.scalars(query).one_or_none()


def validators(session: Session, source_slug: str, url: str) -> dict[str, str]:
    """The ETag / Last-Modified last seen for ``url`` of a source (empty when never fetched)."""
    state = _state(session, source_slug)
    return dict(state.validators.get(url, {})) if state else {}


def remember_validators(session: Session, source_slug: str, url: str, headers: dict[str, str]) -> None:
    """Keep the validators of ``url``; a source without a row gets one."""
    state = _state(session, source_slug) or _new_state(session, source_slug)
    state.validators = {**state.validators, url: headers}


def _new_state(session: Session, source_slug: str) -> SourceState:
    source = session.scalars(select(Source).where(Source.slug == source_slug)).one()
    state = SourceState(source_id=source.id, validators={})
    session.add(state)
    return state


def retry_after(session: Session, source_slug: str) -> datetime | None:
    """Until when a platform asked not to be called for this source (its rate limit), if it did."""
    state = _state(session, source_slug)
    return state.retry_after if state else None


def remember_retry_after(session: Session, source_slug: str, moment: datetime | None) -> None:
    state = _state(session, source_slug) or _new_state(session, source_slug)
    state.retry_after = moment


def cursor(session: Session, source_slug: str) -> str | None:
    """Where a social source's last run stopped (the newest post id it saw), if it ran before."""
    state = _state(session, source_slug)
    return state.cursor if state else None


def remember_cursor(session: Session, source_slug: str, value: str | None) -> None:
    state = _state(session, source_slug) or _new_state(session, source_slug)
    state.cursor = value
