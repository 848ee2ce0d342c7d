"""Source state (HTTP validators of entry pages, social cursors) and the engagement counts of social posts

Revision ID: 5f7a2d4693a6
Revises: 8aad3e857437
Create Date: 2026-11-22 07:50:07.332687
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import db.base

revision: str = "5f7a2d4693a6"
down_revision: str | None = "8aad3e857437"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "source_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("validators", sa.JSON(), nullable=False),
        sa.Column("cursor", sa.String(length=200), nullable=True),
        sa.Column("retry_after", db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("updated_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["source_id"], ["source.id"], name=op.f("fk_source_state_source_id_source")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_source_state")),
        sa.UniqueConstraint("source_id", name=op.f("uq_source_state_source_id")),
    )
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.add_column(sa.Column("engagement", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.drop_column("engagement")
    op.drop_table("source_state")
