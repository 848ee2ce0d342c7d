"""The crawl frontier (listed article URLs until stored or given up), the owner of a crawl run (to find
runs whose process died) and what extraction had to guess about a document

Revision ID: 5be1f1bc4464
Revises: 5f7a2d4693a6
Create Date: 2026-11-29 08:44:08.239800
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import db.base

revision: str = "5be1f1bc4464"
down_revision: str | None = "5f7a2d4693a6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "frontier_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=2048), nullable=False),
        sa.Column("canonical_url", sa.String(length=2048), nullable=False),
        sa.Column("listed_title", sa.Text(), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("next_try_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("discovered_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("crawl_run_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["crawl_run_id"], ["crawl_run.id"], name=op.f("fk_frontier_entry_crawl_run_id_crawl_run")
        ),
        sa.ForeignKeyConstraint(
            ["source_id"], ["source.id"], name=op.f("fk_frontier_entry_source_id_source")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_frontier_entry")),
        sa.UniqueConstraint(
            "source_id", "canonical_url", name=op.f("uq_frontier_entry_source_id_canonical_url")
        ),
    )
    with op.batch_alter_table("frontier_entry", schema=None) as batch_op:
        batch_op.create_index("ix_frontier_entry_due", ["source_id", "state", "next_try_at"], unique=False)

    with op.batch_alter_table("crawl_run", schema=None) as batch_op:
        batch_op.add_column(sa.Column("host", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("pid", sa.Integer(), nullable=True))

    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.add_column(sa.Column("notes", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.drop_column("notes")

    with op.batch_alter_table("crawl_run", schema=None) as batch_op:
        batch_op.drop_column("pid")
        batch_op.drop_column("host")

    with op.batch_alter_table("frontier_entry", schema=None) as batch_op:
        batch_op.drop_index("ix_frontier_entry_due")

    op.drop_table("frontier_entry")
