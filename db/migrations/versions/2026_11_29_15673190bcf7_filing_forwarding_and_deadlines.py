"""Filing into LAPOR!, forwarding to OPDs and deadlines: the outboxes, follow-ups, deadline alerts, the
LAPOR! breaker per region, contacts and escalation ladders, and the report's version column (optimistic
locking) and the times of its whole life. Columns added to existing tables get server defaults so rows
already stored stay valid.

Revision ID: 15673190bcf7
Revises: cda79d28b0ed
Create Date: 2026-11-29 11:38:18.986689
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import db.base

revision: str = "15673190bcf7"
down_revision: str | None = "cda79d28b0ed"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "lapor_breaker",
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("opened_at", db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=1000), nullable=True),
        sa.ForeignKeyConstraint(["region_id"], ["region.id"], name=op.f("fk_lapor_breaker_region_id_region")),
        sa.PrimaryKeyConstraint("region_id", name=op.f("pk_lapor_breaker")),
    )
    op.create_table(
        "deadline_alert",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=30), nullable=False),
        sa.Column("level", sa.String(length=40), nullable=False),
        sa.Column("due_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("raised_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("notified", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["report_id"], ["report.id"], name=op.f("fk_deadline_alert_report_id_report")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deadline_alert")),
        sa.UniqueConstraint(
            "report_id", "stage", "level", name=op.f("uq_deadline_alert_report_id_stage_level")
        ),
    )
    with op.batch_alter_table("deadline_alert", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_deadline_alert_report_id"), ["report_id"], unique=False)

    op.create_table(
        "filing",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(length=10), nullable=False),
        sa.Column("idempotency_key", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("lease_until", db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("claimed_by", sa.String(length=120), nullable=True),
        sa.Column("last_error", sa.String(length=1000), nullable=True),
        sa.Column("last_error_at", db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("refused", sa.Boolean(), nullable=False),
        sa.Column("tracking_id", sa.String(length=60), nullable=True),
        sa.Column("created_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("done_at", db.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["region_id"], ["region.id"], name=op.f("fk_filing_region_id_region")),
        sa.ForeignKeyConstraint(["report_id"], ["report.id"], name=op.f("fk_filing_report_id_report")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_filing")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_filing_idempotency_key")),
        sa.UniqueConstraint("report_id", name=op.f("uq_filing_report_id")),
    )
    with op.batch_alter_table("filing", schema=None) as batch_op:
        batch_op.create_index("ix_filing_due", ["state", "next_attempt_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_filing_region_id"), ["region_id"], unique=False)

    op.create_table(
        "follow_up",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=True),
        sa.Column("at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("author", sa.String(length=120), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("origin", sa.String(length=20), nullable=False),
        sa.Column("remote_key", sa.String(length=120), nullable=True),
        sa.ForeignKeyConstraint(["agency_id"], ["agency.id"], name=op.f("fk_follow_up_agency_id_agency")),
        sa.ForeignKeyConstraint(["report_id"], ["report.id"], name=op.f("fk_follow_up_report_id_report")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_follow_up")),
        sa.UniqueConstraint("remote_key", name=op.f("uq_follow_up_remote_key")),
    )
    with op.batch_alter_table("follow_up", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_follow_up_report_id"), ["report_id"], unique=False)

    op.create_table(
        "notification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=True),
        sa.Column("agency_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("recipient", sa.String(length=500), nullable=False),
        sa.Column("rung", sa.String(length=40), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body_text", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("secret_env", sa.String(length=100), nullable=True),
        sa.Column("dedupe_key", sa.String(length=200), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("lease_until", db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("claimed_by", sa.String(length=120), nullable=True),
        sa.Column("last_error", sa.String(length=1000), nullable=True),
        sa.Column("message_id", sa.String(length=300), nullable=True),
        sa.Column("created_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", db.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["agency_id"], ["agency.id"], name=op.f("fk_notification_agency_id_agency")),
        sa.ForeignKeyConstraint(["region_id"], ["region.id"], name=op.f("fk_notification_region_id_region")),
        sa.ForeignKeyConstraint(["report_id"], ["report.id"], name=op.f("fk_notification_report_id_report")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_notification_dedupe_key")),
    )
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notification_agency_id"), ["agency_id"], unique=False)
        batch_op.create_index("ix_notification_due", ["state", "next_attempt_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_notification_region_id"), ["region_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_notification_report_id"), ["report_id"], unique=False)

    with op.batch_alter_table("agency", schema=None) as batch_op:
        batch_op.add_column(sa.Column("contacts", sa.JSON(), nullable=False, server_default="{}"))

    with op.batch_alter_table("region", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("brand", sa.String(length=100), nullable=False, server_default="SP4N-LAPOR!")
        )
        batch_op.add_column(sa.Column("lapor", sa.JSON(), nullable=False, server_default="{}"))
        batch_op.add_column(sa.Column("contacts", sa.JSON(), nullable=False, server_default="{}"))
        batch_op.add_column(sa.Column("escalation", sa.JSON(), nullable=False, server_default="[]"))

    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
        batch_op.add_column(sa.Column("tanggal_kejadian", db.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("reject_reason", sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column("authority_body", sa.String(length=200), nullable=True))
        batch_op.add_column(
            sa.Column("last_actor", sa.String(length=120), nullable=False, server_default="system:monitor")
        )
        batch_op.add_column(sa.Column("approved_at", db.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("acknowledged_at", db.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("autoclose_due_at", db.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("settlement_due_at", db.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("postponed_at", db.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_report_tracking_id"), ["tracking_id"])


def downgrade() -> None:
    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_report_tracking_id"), type_="unique")
        batch_op.drop_column("postponed_at")
        batch_op.drop_column("settlement_due_at")
        batch_op.drop_column("autoclose_due_at")
        batch_op.drop_column("acknowledged_at")
        batch_op.drop_column("approved_at")
        batch_op.drop_column("last_actor")
        batch_op.drop_column("authority_body")
        batch_op.drop_column("reject_reason")
        batch_op.drop_column("tanggal_kejadian")
        batch_op.drop_column("version")

    with op.batch_alter_table("region", schema=None) as batch_op:
        batch_op.drop_column("escalation")
        batch_op.drop_column("contacts")
        batch_op.drop_column("lapor")
        batch_op.drop_column("brand")

    with op.batch_alter_table("agency", schema=None) as batch_op:
        batch_op.drop_column("contacts")

    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notification_report_id"))
        batch_op.drop_index(batch_op.f("ix_notification_region_id"))
        batch_op.drop_index("ix_notification_due")
        batch_op.drop_index(batch_op.f("ix_notification_agency_id"))

    op.drop_table("notification")
    with op.batch_alter_table("follow_up", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_follow_up_report_id"))

    op.drop_table("follow_up")
    with op.batch_alter_table("filing", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_filing_region_id"))
        batch_op.drop_index("ix_filing_due")

    op.drop_table("filing")
    with op.batch_alter_table("deadline_alert", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_deadline_alert_report_id"))

    op.drop_table("deadline_alert")
    op.drop_table("lapor_breaker")
