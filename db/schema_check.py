"""Is the database ready for work? Asked before a command reads or writes it, so that a fresh install says
"run ``pantau init``" in one line instead of failing on a missing table, and asking never creates a file.

SQLite creates its file on connect: a missing file is answered without connecting. Otherwise the Alembic
revision stored in the database is compared with this version's migration head; nothing is written.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from config.errors import PantauError
from db.migrate import alembic_config
from db.session import DatabaseUnavailable


class SchemaState(StrEnum):
    MISSING = "missing"  # a SQLite file that does not exist
    EMPTY = "empty"  # no migration applied
    BEHIND = "behind"  # migrated, but not to this version's head
    UNKNOWN = "unknown"  # at a revision this version does not know (a newer Pantau migrated it)
    CURRENT = "current"


class DatabaseNotInitialised(PantauError):
    """The database has no schema, or not this version's: ``pantau init`` creates or migrates it."""


def _sqlite_file_missing(url: str) -> bool:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return False
    database = parsed.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return False
    return not Path(database).is_file()


def schema_state(url: str) -> SchemaState:
    """Where the database at ``url`` stands against this version's migrations; DatabaseUnavailable when it
    cannot be reached."""
    if _sqlite_file_missing(url):
        return SchemaState.MISSING
    script = ScriptDirectory.from_config(alembic_config(url))
    heads = set(script.get_heads())
    known = {revision.revision for revision in script.walk_revisions()}
    engine = create_engine(url)  # plain: the session engine's SQLite pragmas would switch the file to WAL
    try:
        with engine.connect() as connection:
            current = set(MigrationContext.configure(connection).get_current_heads())
    except DBAPIError as exc:  # refused, no such database, not a database file, no permission
        shown = engine.url.render_as_string(hide_password=True)
        raise DatabaseUnavailable(f"tidak dapat membuka basis data {shown}: {exc.orig}") from exc
    finally:
        engine.dispose()
    if not current:
        return SchemaState.EMPTY
    if not current <= known:
        return SchemaState.UNKNOWN
    return SchemaState.CURRENT if current == heads else SchemaState.BEHIND


def require_current_schema(url: str) -> None:
    """Raise DatabaseNotInitialised, saying what to run, unless the database is at this version's head."""
    state = schema_state(url)
    shown = make_url(url).render_as_string(hide_password=True)
    if state in (SchemaState.MISSING, SchemaState.EMPTY):
        raise DatabaseNotInitialised(f"basis data {shown} masih kosong: jalankan `pantau init` lebih dulu")
    if state is SchemaState.BEHIND:
        raise DatabaseNotInitialised(
            f"basis data {shown} belum dimigrasi ke versi Pantau ini: jalankan `pantau init` lebih dulu"
        )
    if state is SchemaState.UNKNOWN:
        raise DatabaseNotInitialised(
            f"basis data {shown} dimigrasi oleh versi Pantau yang lebih baru: perbarui Pantau lebih dulu"
        )
