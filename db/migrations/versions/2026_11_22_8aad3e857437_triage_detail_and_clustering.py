"""Triage detail (place status, streets, urgency, priority, watchlists), MinHash signatures, hashed authors

Revision ID: 8aad3e857437
Revises: a2adadec1e26
Create Date: 2026-11-22 06:32:05.147285
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "8aad3e857437"
down_revision: str | None = "a2adadec1e26"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("detection", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("place_status", sa.String(length=20), nullable=False, server_default="unknown")
        )
        batch_op.add_column(sa.Column("outside_region", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("streets", sa.JSON(), nullable=False, server_default="[]"))
        batch_op.add_column(sa.Column("urgent", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("priority", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("watchlists", sa.JSON(), nullable=False, server_default="[]"))
        batch_op.add_column(sa.Column("signature", sa.LargeBinary(), nullable=True))

    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.add_column(sa.Column("author_hash", sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f("ix_document_author_hash"), ["author_hash"], unique=False)

    with op.batch_alter_table("issue", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("place_status", sa.String(length=20), nullable=False, server_default="unknown")
        )
        batch_op.add_column(sa.Column("urgent", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("priority", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("mention_count", sa.Integer(), nullable=False, server_default="1"))


def downgrade() -> None:
    with op.batch_alter_table("issue", schema=None) as batch_op:
        batch_op.drop_column("mention_count")
        batch_op.drop_column("priority")
        batch_op.drop_column("urgent")
        batch_op.drop_column("place_status")

    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_document_author_hash"))
        batch_op.drop_column("author_hash")

    with op.batch_alter_table("detection", schema=None) as batch_op:
        batch_op.drop_column("signature")
        batch_op.drop_column("watchlists")
        batch_op.drop_column("priority")
        batch_op.drop_column("urgent")
        batch_op.drop_column("streets")
        batch_op.drop_column("outside_region")
        batch_op.drop_column("place_status")
