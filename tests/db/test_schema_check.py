"""Whether a database is ready for work, asked without changing it (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import make_url

from db.migrate import alembic_config, upgrade
from db.schema_check import DatabaseNotInitialised, SchemaState, require_current_schema, schema_state
from db.session import DatabaseUnavailable, make_engine


def _sqlite_file(url: str) -> Path | None:
    parsed = make_url(url)
    return Path(parsed.database) if parsed.get_backend_name() == "sqlite" and parsed.database else None


def _first_revision(url: str) -> str:
    script = ScriptDirectory.from_config(alembic_config(url))
    return next(r.revision for r in script.walk_revisions() if r.down_revision is None)


def test_a_fresh_database_is_empty_and_asking_creates_nothing(
    database_url: str, assert_database_untouched: Callable[[str], None]
) -> None:
    state = schema_state(database_url)
    assert state in (SchemaState.MISSING, SchemaState.EMPTY)
    with pytest.raises(DatabaseNotInitialised, match=r"masih kosong: jalankan `pantau init`"):
        require_current_schema(database_url)
    if _sqlite_file(database_url) is not None:
        assert state is SchemaState.MISSING
    assert_database_untouched(database_url)


def test_an_empty_sqlite_file_left_behind_is_empty(tmp_path: Path) -> None:
    database = tmp_path / "pantau.db"
    database.write_bytes(b"")
    assert schema_state(f"sqlite:///{database}") is SchemaState.EMPTY


def test_a_database_behind_the_head_asks_for_init(database_url: str) -> None:
    upgrade(database_url, _first_revision(database_url))
    assert schema_state(database_url) is SchemaState.BEHIND
    with pytest.raises(DatabaseNotInitialised, match="belum dimigrasi ke versi Pantau ini"):
        require_current_schema(database_url)


def test_a_database_at_the_head_is_current(database_url: str) -> None:
    upgrade(database_url)
    assert schema_state(database_url) is SchemaState.CURRENT
    require_current_schema(database_url)


def test_a_revision_from_a_newer_pantau_is_named(database_url: str) -> None:
    upgrade(database_url)
    engine = make_engine(database_url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = 'f00dfacef00d'"))
    engine.dispose()
    assert schema_state(database_url) is SchemaState.UNKNOWN
    with pytest.raises(DatabaseNotInitialised, match="versi Pantau yang lebih baru"):
        require_current_schema(database_url)


def test_the_password_is_not_shown() -> None:
    with pytest.raises(DatabaseUnavailable) as caught:
        schema_state("postgresql+psycopg://pantau:rahasia@127.0.0.1:1/pantau")
    assert "rahasia" not in str(caught.value)
    assert "***" in str(caught.value)


def test_a_file_that_is_not_a_database_is_unavailable(tmp_path: Path) -> None:
    database = tmp_path / "pantau.db"
    database.write_text("bukan basis data " * 100, encoding="utf-8")
    with pytest.raises(DatabaseUnavailable, match="tidak dapat membuka basis data"):
        schema_state(f"sqlite:///{database}")
