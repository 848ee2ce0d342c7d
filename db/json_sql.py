"""SQL over JSON columns that reads the same on SQLite and PostgreSQL.

``json_array_texts(column)`` is a JSON array's elements as a table with one text column ``value``:
SQLite's ``json_each`` and PostgreSQL's ``json_array_elements_text``, so a query can ask "does this list hold
that name" in SQL (``EXISTS (SELECT 1 FROM json_array_texts(x) AS t WHERE t.value = :name)``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, TableValuedAlias, exists, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import QueryableAttribute
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement


class json_array_texts(FunctionElement[Any]):
    """The text elements of a JSON array column (use ``.table_valued("value")``)."""

    inherit_cache = True
    name = "json_array_texts"


@compiles(json_array_texts, "sqlite")
def _sqlite(element: json_array_texts, compiler: SQLCompiler, **kw: Any) -> str:
    return f"json_each({compiler.process(element.clauses, **kw)})"


@compiles(json_array_texts, "postgresql")
def _postgresql(element: json_array_texts, compiler: SQLCompiler, **kw: Any) -> str:
    return f"json_array_elements_text({compiler.process(element.clauses, **kw)})"


def json_array_holds(column: QueryableAttribute[Any] | ColumnElement[Any], text: str) -> ColumnElement[bool]:
    """True where the JSON array in ``column`` has ``text`` as one of its elements."""
    elements: TableValuedAlias = json_array_texts(column).table_valued("value")
    return exists(select(1).select_from(elements).where(elements.c.value == text))
