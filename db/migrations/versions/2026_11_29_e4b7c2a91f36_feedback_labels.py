"""Learning from operators: a label per decided document (``feedback_label``) and each region's consent that
its labels may train the shared model (``region.feedback_consent``, off).

Revision ID: e4b7c2a91f36
Revises: c5f0a2d9e813
Create Date: 2026-11-29 22:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import db.base

revision: str = "e4b7c2a91f36"
down_revision: str | None = "c5f0a2d9e813"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # a plain ADD COLUMN on both databases: batch mode would copy the region table on SQLite, and its foreign
    # keys refuse dropping the old copy once agencies, sources and reports reference it
    op.add_column(
        "region", sa.Column("feedback_consent", sa.Boolean(), server_default=sa.false(), nullable=False)
    )
    op.create_table(
        "feedback_label",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=True),
        sa.Column("report_id", sa.Integer(), nullable=True),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("text_id", sa.String(length=16), nullable=False),
        sa.Column("label", sa.String(length=20), nullable=True),
        sa.Column("function", sa.String(length=40), nullable=True),
        sa.Column("agency_code", sa.String(length=40), nullable=True),
        sa.Column("place", sa.String(length=300), nullable=True),
        sa.Column("decision", sa.String(length=40), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("decided_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("model_version", sa.String(length=80), nullable=True),
        sa.Column("superseded_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["document.id"],
            name=op.f("fk_feedback_label_document_id_document"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["report_id"], ["report.id"], name=op.f("fk_feedback_label_report_id_report"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["region_id"], ["region.id"], name=op.f("fk_feedback_label_region_id_region")
        ),
        sa.ForeignKeyConstraint(
            ["superseded_by_id"],
            ["feedback_label.id"],
            name=op.f("fk_feedback_label_superseded_by_id_feedback_label"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_label")),
    )
    with op.batch_alter_table("feedback_label", schema=None) as batch_op:
        batch_op.create_index("ix_feedback_label_current", ["region_id", "superseded_by_id"], unique=False)
        batch_op.create_index("ix_feedback_label_document", ["document_id", "superseded_by_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_feedback_label_report_id"), ["report_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_feedback_label_text_id"), ["text_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("feedback_label", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_feedback_label_text_id"))
        batch_op.drop_index(batch_op.f("ix_feedback_label_report_id"))
        batch_op.drop_index("ix_feedback_label_document")
        batch_op.drop_index("ix_feedback_label_current")
    op.drop_table("feedback_label")
    # a plain DROP COLUMN (SQLite 3.35+): batch mode would copy the region table, which every other table
    # references, and SQLite's foreign keys refuse dropping the old copy
    op.execute("ALTER TABLE region DROP COLUMN feedback_consent")
