"""The review queue at scale: a region's issues in queue order (urgent, then priority), so PostgreSQL walks
them and stops at a page instead of sorting every report; and a region's reports by status and age, which
counts a filtered queue from the index alone.

Revision ID: ddcdf948c55c
Revises: 8685f0c7b439
Create Date: 2026-11-29 14:50:52.560498
"""

from collections.abc import Sequence

from alembic import op

revision: str = "ddcdf948c55c"
down_revision: str | None = "8685f0c7b439"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("issue", schema=None) as batch_op:
        batch_op.create_index("ix_issue_queue_order", ["region_id", "urgent", "priority"], unique=False)

    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.create_index("ix_report_queue", ["region_id", "status", "queued_at", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.drop_index("ix_report_queue")

    with op.batch_alter_table("issue", schema=None) as batch_op:
        batch_op.drop_index("ix_issue_queue_order")
