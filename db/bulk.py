"""Insert many rows at once, leaving out those that would break a unique key (on SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from db.base import Base


def insert_new(
    session: Session, model: type[Base], rows: Sequence[dict[str, Any]], unique: Sequence[str]
) -> list[tuple[Any, ...]]:
    """Insert ``rows`` into ``model``'s table, skipping any whose ``unique`` columns are taken; returns the
    unique values of the rows that were inserted."""
    table = cast(Table, model.__table__)
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(table)
        .on_conflict_do_nothing(index_elements=list(unique))
        .returning(*(table.c[name] for name in unique))
    )
    # one statement for all rows: compiled once and cached, sent as batched multi-row INSERTs
    # (SQLAlchemy's "insertmanyvalues"), far cheaper than compiling a VALUES list of every row
    return [tuple(row) for row in session.execute(statement, list(rows))] if rows else []
