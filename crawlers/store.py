"""The crawl's one door to the database: one per crawl process, shared by the sources crawled in it.

Spiders ask it what to fetch (the frontier: ``db.frontier``) and tell it how each article ended; pipelines
hand it documents. Outcomes are buffered and committed together, a document in the same transaction as the
frontier entry it settles, so a crash loses at most the outcomes not yet committed, whose entries are still
pending and are fetched again by the next cycle. A row the database refuses (a value it cannot hold) is
stored alone as quarantined with the database's reason; if even that fails, its entry counts a failed
attempt. Counters (``pantau/persist/...``) move only once their rows are committed.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from scrapy.settings import BaseSettings
from scrapy.statscollectors import StatsCollector
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session

from db import frontier
from db.base import utcnow
from db.bulk import insert_new
from db.frontier import Listed, RetryPolicy
from db.models import Document, DocumentStatus, FrontierState, Source
from db.session import check_connection, make_engine, session_factory, transaction
from db.source_state import remember_validators

logger = logging.getLogger(__name__)

FLUSH_ROWS = 50
FLUSH_SECONDS = 2.0  # a slow crawl commits at least this often (less to fetch again after a crash)
DOCUMENT_KEY = ("source_id", "canonical_url", "version")
# every column a crawl writes: rows of one INSERT must name the same columns
DOCUMENT_COLUMNS = (
    *DOCUMENT_KEY,
    *("crawl_run_id", "url", "status", "quarantine_reason", "http_status", "encoding", "content_hash"),
    *("title", "text", "author", "language", "published_at", "fetched_at", "raw_gzip", "notes"),
)


class StoreUnavailable(RuntimeError):
    """The database stopped answering: the crawl cannot store anything and must stop."""


@dataclass
class Outcome:
    """How one article ended in this crawl: a document to store, a failed fetch, or a repeat of a page."""

    slug: str
    stats: StatsCollector
    frontier_key: str | None
    document: dict[str, Any] | None = None  # Document column values
    failure: str | None = None
    permanent: bool = False  # a failure that cannot succeed later: given up at once


@dataclass
class _Effects:
    """Counter increments that apply once a transaction commits."""

    counts: list[tuple[StatsCollector, str]] = field(default_factory=list)

    def count(self, stats: StatsCollector, key: str) -> None:
        self.counts.append((stats, key))

    def apply(self) -> None:
        for stats, key in self.counts:
            stats.inc_value(key)


class CrawlStore:
    _open: ClassVar[dict[tuple[str, int | None], CrawlStore]] = {}

    def __init__(self, database_url: str, run_id: int | None, policy: RetryPolicy) -> None:
        self.engine = make_engine(database_url)
        check_connection(self.engine)
        self.sessions = session_factory(self.engine)
        self.run_id = run_id
        self.policy = policy
        self.buffer: list[Outcome] = []
        self.flushed_at = time.monotonic()
        self.source_ids: dict[str, int] = {}
        self.on_unavailable: Callable[[str], object] | None = None
        self.unavailable: str | None = None

    @classmethod
    def shared(cls, database_url: str, run_id: int | None, policy: RetryPolicy) -> CrawlStore:
        """The store of this process for ``database_url`` and crawl run (created on first use)."""
        key = (database_url, run_id)
        if key not in cls._open:
            cls._open[key] = cls(database_url, run_id, policy)
        return cls._open[key]

    @classmethod
    def close_all(cls) -> None:
        """Commit what is buffered and release the connections (end of the crawl process)."""
        for store in list(cls._open.values()):
            # a database that went away is reported by the crawl's exit; the entries stay pending
            with suppress(StoreUnavailable):
                store.flush()
            store.engine.dispose()
        cls._open.clear()

    # --- the frontier ------------------------------------------------------------------------------------
    def source_id(self, slug: str) -> int:
        if slug not in self.source_ids:
            with self.sessions() as session:
                source_id = session.scalar(select(Source.id).where(Source.slug == slug))
            if source_id is None:
                raise LookupError(f"source {slug!r} is not in the database: run `pantau init`")
            self.source_ids[slug] = source_id
        return self.source_ids[slug]

    def due(self, slug: str, limit: int) -> list[Listed]:
        """Articles listed by earlier cycles and not stored yet, whose next try has come."""
        with self.sessions() as session:
            return frontier.due(session, self.source_id(slug), utcnow(), limit)

    def admit(self, slug: str, listed: Sequence[Listed]) -> dict[str, str]:
        """Remember what an entry page listed; returns each canonical URL's fate in this crawl: ``fetch``,
        or why not (``already_stored``, ``given_up``, ``waiting_retry``)."""
        if not listed:
            return {}
        with transaction(self.sessions) as session:
            fetch = frontier.remember(session, self.source_id(slug), listed, utcnow(), self.run_id)
            states = frontier.states(session, self.source_id(slug), [item.canonical_url for item in listed])
        fates: dict[str, str] = {}
        for item in listed:
            state = states.get(item.canonical_url)
            if item.canonical_url in fetch:
                fates[item.canonical_url] = "fetch"
            elif state in (FrontierState.STORED, FrontierState.QUARANTINED):
                fates[item.canonical_url] = "already_stored"
            elif state == FrontierState.GIVEN_UP:
                fates[item.canonical_url] = "given_up"
            else:
                fates[item.canonical_url] = "waiting_retry"
        return fates

    def remember_validators(self, slug: str, url: str, headers: dict[str, str]) -> None:
        """Advance an entry page's conditional-GET state (only once its articles have their outcomes)."""
        self.flush()
        with transaction(self.sessions) as session:
            remember_validators(session, slug, url, headers)

    # --- outcomes ------------------------------------------------------------------------------------------
    def add(self, outcome: Outcome) -> None:
        self.buffer.append(outcome)
        if len(self.buffer) >= FLUSH_ROWS or time.monotonic() - self.flushed_at >= FLUSH_SECONDS:
            self.flush()

    def flush(self) -> None:
        """Commit every buffered outcome: together when the database takes them, else one at a time."""
        if self.unavailable:
            raise StoreUnavailable(self.unavailable)
        batch, self.buffer = self.buffer, []
        self.flushed_at = time.monotonic()
        if batch and self._commit(batch) is not None:
            for outcome in batch:
                self._write_alone(outcome)

    def _commit(self, batch: Sequence[Outcome]) -> str | None:
        """Write ``batch`` in one transaction and apply its counters; None when committed, else why the
        database (or the driver, or a column type) refused it. A database that stopped answering raises."""
        effects = _Effects()
        try:
            with transaction(self.sessions) as session:
                self._write(session, batch, effects)
        except OperationalError as exc:
            self.unavailable = f"database unavailable while storing {len(batch)} page(s): {exc.orig}"[:500]
            logger.error("%s", self.unavailable)
            if self.on_unavailable is not None:
                self.on_unavailable(self.unavailable)
            raise StoreUnavailable(self.unavailable) from exc
        except Exception as exc:  # a value one row cannot hold: isolate the row, never drop the batch
            cause = exc.orig if isinstance(exc, DBAPIError) else exc
            return f"{type(cause).__name__}: {cause}".strip()[:400]
        effects.apply()
        return None

    def _write_alone(self, outcome: Outcome) -> None:
        """Store one outcome; a refused document is stored again quarantined with the reason; a row that
        even so cannot be stored counts a failed attempt for its frontier entry (retried, then given up)."""
        refused = self._commit([outcome])
        if refused is None:
            return
        if outcome.document is not None:
            quarantined = _quarantined(outcome.document, f"database refused the page: {refused}")
            retry = Outcome(outcome.slug, outcome.stats, outcome.frontier_key, document=quarantined)
            if self._commit([retry]) is None:
                return
        logger.error("could not store %s (%s): %s", outcome.frontier_key, outcome.slug, refused)
        outcome.stats.inc_value(f"pantau/persist/failed/{refused.split(':')[0]}")
        if outcome.frontier_key is not None:
            self._commit([Outcome(outcome.slug, outcome.stats, outcome.frontier_key, failure=refused[:300])])

    def _write(self, session: Session, batch: Sequence[Outcome], effects: _Effects) -> None:
        documents = [o for o in batch if o.document is not None]
        rows = [{name: o.document.get(name) for name in DOCUMENT_COLUMNS} for o in documents if o.document]
        inserted = set(insert_new(session, Document, rows, DOCUMENT_KEY))
        settled: dict[tuple[int, FrontierState], list[str]] = defaultdict(list)
        for outcome in documents:
            assert outcome.document is not None
            row = outcome.document
            status = row["status"]
            key = (row["source_id"], row["canonical_url"], row["version"])
            if key in inserted:
                inserted.discard(key)  # the same page twice in one batch: the second is a duplicate
                effects.count(outcome.stats, f"pantau/persist/{status}")
                state = FrontierState.STORED if status == DocumentStatus.OK else FrontierState.QUARANTINED
            else:
                effects.count(outcome.stats, "pantau/persist/duplicate")
                state = FrontierState.STORED  # stored already, by an earlier crawl or another URL
            if outcome.frontier_key is not None:
                settled[(row["source_id"], state)].append(outcome.frontier_key)
        now = utcnow()
        for outcome in batch:
            if outcome.document is not None or outcome.frontier_key is None:
                continue
            source_id = self.source_id(outcome.slug)
            if outcome.failure is None:  # a repeat of a page met earlier in this crawl
                settled[(source_id, FrontierState.STORED)].append(outcome.frontier_key)
                continue
            after = frontier.record_failure(
                session,
                source_id,
                outcome.frontier_key,
                outcome.failure,
                now,
                self.policy,
                self.run_id,
                permanent=outcome.permanent,
            )
            if after == FrontierState.GIVEN_UP:
                effects.count(outcome.stats, "pantau/frontier/given_up")
        for (source_id, state), keys in settled.items():
            frontier.resolve(session, source_id, keys, state, self.run_id)


def _quarantined(row: dict[str, Any], reason: str) -> dict[str, Any]:
    """A document row reduced to what any database takes: its identity, the raw page and the reason."""
    keep = ("source_id", "crawl_run_id", "url", "canonical_url", "version", "http_status", "fetched_at")
    reduced = {name: row[name] for name in keep if name in row}
    return {
        **reduced,
        "status": DocumentStatus.QUARANTINED,
        "quarantine_reason": reason[:500],
        "raw_gzip": row.get("raw_gzip"),
        "encoding": (row.get("encoding") or "")[:40] or None,
    }


def document_row(
    *,
    source_id: int,
    crawl_run_id: int | None,
    url: str,
    canonical_url: str,
    quarantine_reason: str | None,
    fetched_at: datetime,
    **fields: Any,
) -> dict[str, Any]:
    """The column values of a new Document (version 1), usable or quarantined with its reason."""
    return {
        "source_id": source_id,
        "crawl_run_id": crawl_run_id,
        "url": url,
        "canonical_url": canonical_url,
        "version": 1,
        "status": DocumentStatus.QUARANTINED if quarantine_reason else DocumentStatus.OK,
        "quarantine_reason": quarantine_reason[:500] if quarantine_reason else None,
        "fetched_at": fetched_at,
        **fields,
    }


def store_of(settings: BaseSettings) -> CrawlStore | None:
    """The crawl process's store, or None for a probe (``pantau sources test``), which stores nothing."""
    if settings.getbool("PANTAU_PROBE"):
        return None
    run_id = settings.get("PANTAU_CRAWL_RUN_ID")
    policy = RetryPolicy(
        max_attempts=settings.getint("PANTAU_FRONTIER_MAX_ATTEMPTS"),
        retry_minutes=settings.getfloat("PANTAU_FRONTIER_RETRY_MINUTES"),
    )
    return CrawlStore.shared(settings.get("PANTAU_DATABASE_URL"), int(run_id) if run_id else None, policy)
