"""Engine and session factory: the same code on SQLite (WAL, foreign keys on) and PostgreSQL."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from config.errors import PantauError


class DatabaseUnavailable(PantauError):
    """The database cannot be reached; nothing was written."""


class WriteLockBusy(PantauError):
    """SQLite: another writer kept the database's write lock for all of busy_timeout; nothing was written."""


# PostgreSQL's planner prices a random page read at 4 sequential ones by default, a figure for spinning disks.
# Pantau's working set sits in memory or on SSD, where 1.1 is the usual advice: at 4 the review queue's
# default page reads a region's every issue (88,826 at the scale of docs/benchmarks.md, 39 ms) instead of
# probing the 2,301 it needs (15 ms). Set on each connection; docs/decisions.md, 62. The session's time zone
# is UTC, as Pantau stores every moment, so psycopg returns datetime.UTC and reading a moment costs nothing.
POSTGRES_OPTIONS = "-c random_page_cost=1.1 -c TimeZone=UTC"

# Execution option: this connection's transaction takes SQLite's write lock at its start (write_transaction).
WRITE_LOCK = "pantau_write_lock"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    """BEGIN IMMEDIATE for a transaction marked WRITE_LOCK; any other transaction keeps pysqlite's own
    deferred BEGIN before its first write. Deferring everywhere else is deliberate: a transaction that read
    under an explicit BEGIN fails at once with "database is locked" (no busy wait) when it then writes after
    another writer committed, and the crawl, sync and social stores read before they write."""
    if connection.get_execution_options().get(WRITE_LOCK):
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str) -> Engine:
    """An engine for ``url``; a SQLite file's folder is created if missing."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True, connect_args={"options": POSTGRES_OPTIONS})


def check_connection(engine: Engine) -> None:
    """Raise DatabaseUnavailable with the reason when the database cannot be reached."""
    try:
        with engine.connect():
            pass
    except OperationalError as exc:
        raise DatabaseUnavailable(f"cannot connect to {engine.url.render_as_string()}: {exc.orig}") from exc


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session whose work commits on success and rolls back on any error."""
    with factory() as session, session.begin():
        yield session


@contextmanager
def write_transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A transaction for work that several workers may do at once (triage, queue), committed on success.

    On SQLite it holds the database's write lock from its first statement, so a second worker waits
    (busy_timeout) and then reads what the first one wrote instead of colliding with it at its first insert.
    On PostgreSQL it is an ordinary transaction: workers split the work by claiming rows (``FOR NO KEY UPDATE
    SKIP LOCKED``, db.queries.claim_*) and serialise what must be serialised with ``hold_lock``.

    SQLite does not queue its waiters: a worker that commits batch after batch takes the lock again before a
    waiting one polls, so the waiter gets WriteLockBusy after busy_timeout (30 s) and should leave the work to
    the worker that holds the lock.
    """
    with factory() as session, session.begin():
        try:
            session.connection(execution_options={WRITE_LOCK: True})
        except OperationalError as exc:
            if "database is locked" not in str(exc.orig):
                raise
            raise WriteLockBusy(f"basis data dikunci penulis lain terlalu lama: {exc.orig}") from exc
        yield session


def hold_lock(session: Session, name: str) -> None:
    """Wait for the lock called ``name`` and hold it until the transaction ends: one holder at a time across
    processes and machines. PostgreSQL: a transaction-level advisory lock. SQLite: nothing to add, inside a
    ``write_transaction`` the transaction already holds the database's only write lock."""
    if session.get_bind().dialect.name == "postgresql":
        key = int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "big", signed=True)
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
