"""Redact what earlier versions stored unredacted: issue titles (copied from the page's title), report
bodies (clipped before redaction, so a number cut at the edge survived) and titles, detection explanations.

Applies the redaction of this version (``nlp.redact``) once; it only replaces personal data by placeholders,
so running it over text already redacted changes nothing. A report body clipped through a number ended in
its first digits and " ..." ("hubungi 0812 3456 ..."), which no pattern can tell from anything else: a run of
digits right before that clipping mark is replaced too. There is no way back: downgrade leaves the texts.

Revision ID: cda79d28b0ed
Revises: 5be1f1bc4464
Create Date: 2026-11-29 10:02:11.190441
"""

import re
from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from nlp.redact import redact, redact_values

revision: str = "cda79d28b0ed"
down_revision: str | None = "5be1f1bc4464"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_METADATA = sa.MetaData()
ISSUE = sa.Table("issue", _METADATA, sa.Column("id", sa.Integer), sa.Column("title", sa.Text))
REPORT = sa.Table(
    "report", _METADATA, sa.Column("id", sa.Integer), sa.Column("judul", sa.String), sa.Column("isi", sa.Text)
)
DETECTION = sa.Table("detection", _METADATA, sa.Column("id", sa.Integer), sa.Column("explanation", sa.JSON))


_CUT_NUMBER = re.compile(r"[+(]?\d[\d\s.()/-]*(?= \.\.\.(?:\n|$))")


def _redact_body(text: str) -> str:
    """A report body redacted, including a number cut by the old clipping."""
    return _CUT_NUMBER.sub("[ANGKA TERPOTONG]", redact(text))


def _redact_column(table: sa.Table, columns: list[str], redactor: Callable[[Any], Any]) -> None:
    connection = op.get_bind()
    for row in connection.execute(sa.select(table)).mappings().all():
        changed = {name: redactor(row[name]) for name in columns if row[name] is not None}
        changed = {name: value for name, value in changed.items() if value != row[name]}
        if changed:
            connection.execute(sa.update(table).where(table.c.id == row["id"]).values(**changed))


def upgrade() -> None:
    _redact_column(ISSUE, ["title"], redact)
    _redact_column(REPORT, ["judul", "isi"], _redact_body)
    _redact_column(DETECTION, ["explanation"], redact_values)


def downgrade() -> None:
    """The personal data is gone: nothing to restore."""
