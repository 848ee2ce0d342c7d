"""Insert many rows at once, leaving out those that would break a unique key (on SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from db.base import Base

CHUNK_ROWS = 500  # keeps a statement's bound parameters far below SQLite's limit


def insert_new(
    session: Session, model: type[Base], rows: Sequence[dict[str, Any]], unique: Sequence[str]
) -> list[tuple[Any, ...]]:
    """Insert ``rows`` into ``model``'s table, skipping any whose ``unique`` columns are taken; returns the
    unique values of the rows that were inserted."""
    table = cast(Table, model.__table__)
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    inserted: list[tuple[Any, ...]] = []
    for start in range(0, len(rows), CHUNK_ROWS):
        statement = (
            insert(table)
            .values(list(rows[start : start + CHUNK_ROWS]))
            .on_conflict_do_nothing(index_elements=list(unique))
            .returning(*(table.c[name] for name in unique))
        )
        inserted.extend(tuple(row) for row in session.execute(statement))
    return inserted
