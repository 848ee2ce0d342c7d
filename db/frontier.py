"""Named reads and writes of the crawl frontier: what entry pages listed, what is due, what failed.

A failed fetch waits ``retry_minutes x 4^(attempts-1)`` (capped at a day) before the next try; after
``max_attempts`` the entry is given up. Both come from the settings (``PANTAU_FRONTIER_*``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from db.bulk import insert_new
from db.models import Document, FrontierEntry, FrontierState

MAX_WAIT = timedelta(days=1)


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int
    retry_minutes: float

    def wait(self, attempts: int) -> timedelta:
        """How long to wait after the ``attempts``-th failure."""
        return min(timedelta(minutes=self.retry_minutes * 4 ** max(attempts - 1, 0)), MAX_WAIT)


@dataclass(frozen=True)
class Listed:
    """An article URL as an entry page listed it."""

    url: str
    canonical_url: str
    title: str | None = None


def due(session: Session, source_id: int, now: datetime, limit: int) -> list[Listed]:
    """Pending entries of a source whose next try has come, oldest first."""
    query = (
        select(FrontierEntry.url, FrontierEntry.canonical_url, FrontierEntry.listed_title)
        .where(
            FrontierEntry.source_id == source_id,
            FrontierEntry.state == FrontierState.PENDING,
            FrontierEntry.next_try_at <= now,
        )
        .order_by(FrontierEntry.id)
        .limit(limit)
    )
    return [Listed(url, canonical, title) for url, canonical, title in session.execute(query)]


def remember(
    session: Session, source_id: int, listed: Sequence[Listed], now: datetime, run_id: int | None
) -> set[str]:
    """Add newly listed URLs to the frontier; returns the canonical URLs of those that are pending and due
    (new ones included), i.e. what this crawl should fetch."""
    rows = [
        {
            "source_id": source_id,
            "url": item.url,
            "canonical_url": item.canonical_url,
            "listed_title": item.title,
            "state": FrontierState.PENDING,
            "attempts": 0,
            "next_try_at": now,
            "discovered_at": now,
            "updated_at": now,
            "crawl_run_id": run_id,
        }
        for item in listed
    ]
    stored = _stored(session, source_id, [item.canonical_url for item in listed])
    for row in rows:
        if row["canonical_url"] in stored:  # stored before the frontier knew it (an older Pantau)
            row["state"] = FrontierState.STORED
    insert_new(session, FrontierEntry, rows, ["source_id", "canonical_url"])
    fetch: set[str] = set()
    for chunk in _chunks([item.canonical_url for item in listed]):
        query = select(FrontierEntry.canonical_url).where(
            FrontierEntry.source_id == source_id,
            FrontierEntry.canonical_url.in_(chunk),
            FrontierEntry.state == FrontierState.PENDING,
            FrontierEntry.next_try_at <= now,
        )
        fetch.update(session.scalars(query))
    return fetch


def states(session: Session, source_id: int, canonical_urls: Sequence[str]) -> dict[str, str]:
    """The state of each of these entries of a source."""
    found: dict[str, str] = {}
    for chunk in _chunks(canonical_urls):
        query = select(FrontierEntry.canonical_url, FrontierEntry.state).where(
            FrontierEntry.source_id == source_id, FrontierEntry.canonical_url.in_(chunk)
        )
        found.update({url: state for url, state in session.execute(query)})
    return found


def _stored(session: Session, source_id: int, canonical_urls: Sequence[str]) -> set[str]:
    stored: set[str] = set()
    for chunk in _chunks(canonical_urls):
        query = select(Document.canonical_url).where(
            Document.source_id == source_id, Document.canonical_url.in_(chunk)
        )
        stored.update(session.scalars(query))
    return stored


def _chunks(values: Sequence[str], size: int = 500) -> Iterable[Sequence[str]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def resolve(
    session: Session, source_id: int, canonical_urls: Iterable[str], state: FrontierState, run_id: int | None
) -> None:
    """Mark entries as done (stored or quarantined): they are not fetched again."""
    for chunk in _chunks(list(canonical_urls)):
        session.execute(
            update(FrontierEntry)
            .where(FrontierEntry.source_id == source_id, FrontierEntry.canonical_url.in_(chunk))
            .values(state=state, last_error=None, crawl_run_id=run_id, updated_at=func.now())
        )


def record_failure(
    session: Session,
    source_id: int,
    canonical_url: str,
    error: str,
    now: datetime,
    policy: RetryPolicy,
    run_id: int | None,
    *,
    permanent: bool = False,
) -> FrontierState | None:
    """Count a failed fetch: the entry waits for its next try, or is given up after the last attempt (at once
    when ``permanent``). Returns the entry's new state, None when the URL is not in the frontier."""
    entry = session.scalars(
        select(FrontierEntry).where(
            FrontierEntry.source_id == source_id, FrontierEntry.canonical_url == canonical_url
        )
    ).one_or_none()
    if entry is None or entry.state != FrontierState.PENDING:
        return None if entry is None else FrontierState(entry.state)
    entry.attempts += 1
    entry.last_error = error[:500]
    entry.crawl_run_id = run_id
    if permanent or entry.attempts >= policy.max_attempts:
        entry.state = FrontierState.GIVEN_UP
    else:
        entry.next_try_at = now + policy.wait(entry.attempts)
    return FrontierState(entry.state)


def counts(session: Session, source_id: int) -> dict[str, int]:
    """How many entries of a source are in each state."""
    query = (
        select(FrontierEntry.state, func.count())
        .where(FrontierEntry.source_id == source_id)
        .group_by(FrontierEntry.state)
    )
    return {state: int(n) for state, n in session.execute(query)}
