"""The console: watchlist versions (who changed a query, when and why), the configuration values the last
YAML sync applied (a console edit stands until the YAML changes the same field), and OPD attachments.

Revision ID: 8685f0c7b439
Revises: fabf35ae68ab
Create Date: 2026-11-29 14:25:26.567774
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import db.base

revision: str = "8685f0c7b439"
down_revision: str | None = "fabf35ae68ab"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "config_snapshot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entity_type", sa.String(length=40), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=60), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_config_snapshot")),
        sa.UniqueConstraint(
            "entity_type", "entity_id", "field", name=op.f("uq_config_snapshot_entity_type_entity_id_field")
        ),
    )
    op.create_table(
        "watchlist_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("query", sa.Text(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("origin", sa.String(length=20), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("created_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["region_id"], ["region.id"], name=op.f("fk_watchlist_version_region_id_region")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_watchlist_version")),
        sa.UniqueConstraint(
            "region_id", "name", "version", name=op.f("uq_watchlist_version_region_id_name_version")
        ),
    )
    with op.batch_alter_table("watchlist_version", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_watchlist_version_region_id"), ["region_id"], unique=False)

    op.create_table(
        "attachment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("follow_up_id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=True),
        sa.Column("uploaded_by", sa.String(length=120), nullable=False),
        sa.Column("created_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["follow_up_id"], ["follow_up.id"], name=op.f("fk_attachment_follow_up_id_follow_up")
        ),
        sa.ForeignKeyConstraint(["report_id"], ["report.id"], name=op.f("fk_attachment_report_id_report")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachment")),
    )
    with op.batch_alter_table("attachment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_attachment_follow_up_id"), ["follow_up_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_attachment_report_id"), ["report_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("attachment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attachment_report_id"))
        batch_op.drop_index(batch_op.f("ix_attachment_follow_up_id"))

    op.drop_table("attachment")
    with op.batch_alter_table("watchlist_version", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_watchlist_version_region_id"))

    op.drop_table("watchlist_version")
    op.drop_table("config_snapshot")
