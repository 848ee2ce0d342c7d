"""Province users: an account of a Diskominfo provinsi works in every kabupaten/kota of its province.

Revision ID: 9c4e2b7a1f05
Revises: 4f2a9c1d7e30
Create Date: 2026-11-29 18:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "9c4e2b7a1f05"
down_revision: str | None = "4f2a9c1d7e30"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("province_code", sa.String(length=2), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_column("province_code")
