"""rate_counters: abuse limits and login attempts counted atomically in the database

Replaces login_failures (failures per email and IP, read and then written: 60 parallel wrong
logins got 22-36 password checks instead of 5). One row per subject, bumped with one
INSERT ... ON CONFLICT DO UPDATE ... RETURNING before the password is checked (store/limits.py);
the same counters hold the web-chat, ticket and mail limits, so they hold across processes.

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import store.tables

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "rate_counters",
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("window_start", store.tables.UTCDateTime(), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("subject", name=op.f("pk_rate_counters")),
    )
    op.drop_index("ix_login_failures_email_ip_created", table_name="login_failures")
    op.drop_table("login_failures")


def downgrade() -> None:
    op.create_table(
        "login_failures",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("ip", sa.String(length=64), nullable=False),
        sa.Column("created_at", store.tables.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_failures")),
    )
    op.create_index(
        "ix_login_failures_email_ip_created", "login_failures", ["email", "ip", "created_at"]
    )
    op.drop_table("rate_counters")
