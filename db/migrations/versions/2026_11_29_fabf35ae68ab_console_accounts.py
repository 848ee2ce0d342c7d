"""Console accounts: a password hash (argon2), the count of failed logins in a row and the lock-out time, and
the last login. Existing users get no password: they cannot log in until one is set
(``pantau users reset-password``).

Revision ID: fabf35ae68ab
Revises: 15673190bcf7
Create Date: 2026-11-29 13:29:18.271497
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import db.base

revision: str = "fabf35ae68ab"
down_revision: str | None = "15673190bcf7"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("password_hash", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("failed_logins", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("locked_until", db.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("last_login_at", db.base.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_column("last_login_at")
        batch_op.drop_column("locked_until")
        batch_op.drop_column("failed_logins")
        batch_op.drop_column("password_hash")
