"""The OPD inbox at scale: an agency's reports by region and status (the inbox's counts read the index alone)
and by the time of their last change (the answered list, the latest first, stops at a page). Four indexes
whose column leads a wider one go: each cost every write and served no query the wider one does not.

Revision ID: 4f2a9c1d7e30
Revises: ddcdf948c55c
Create Date: 2026-11-29 18:20:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "4f2a9c1d7e30"
down_revision: str | None = "ddcdf948c55c"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.create_index("ix_report_inbox", ["region_id", "agency_id", "status"], unique=False)
        batch_op.create_index("ix_report_agency_changed", ["agency_id", "status_changed_at"], unique=False)
        batch_op.drop_index("ix_report_agency_id")
        batch_op.drop_index("ix_report_region_id")

    with op.batch_alter_table("detection", schema=None) as batch_op:
        batch_op.drop_index("ix_detection_document_id")

    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.drop_index("ix_document_source_id")


def downgrade() -> None:
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.create_index("ix_document_source_id", ["source_id"], unique=False)

    with op.batch_alter_table("detection", schema=None) as batch_op:
        batch_op.create_index("ix_detection_document_id", ["document_id"], unique=False)

    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.create_index("ix_report_region_id", ["region_id"], unique=False)
        batch_op.create_index("ix_report_agency_id", ["agency_id"], unique=False)
        batch_op.drop_index("ix_report_agency_changed")
        batch_op.drop_index("ix_report_inbox")
