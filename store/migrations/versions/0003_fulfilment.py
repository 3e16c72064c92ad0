"""auto-fulfilment: built-in account directory, reset tokens, cool-downs, dialogue timers

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import store.tables

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "directory_accounts",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("org", sa.String(length=200), nullable=True),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("features", sa.JSON(), nullable=False),
        sa.Column("password_hash", sa.String(length=256), nullable=True),
        sa.Column("created_at", store.tables.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", store.tables.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_directory_accounts")),
        sa.UniqueConstraint("email", name=op.f("uq_directory_accounts_email")),
    )
    op.create_index("ix_directory_accounts_org", "directory_accounts", ["org"], unique=False)
    op.create_table(
        "password_reset_tokens",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("account_id", ID, nullable=False),
        sa.Column("conversation_id", ID, nullable=True),
        sa.Column("ticket_id", ID, nullable=True),
        sa.Column("created_at", store.tables.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", store.tables.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", store.tables.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["directory_accounts.id"],
            name=op.f("fk_password_reset_tokens_account_id_directory_accounts"),
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_password_reset_tokens")),
    )
    op.create_table(
        "verification_cooldowns",
        sa.Column("subject_hash", sa.String(length=64), nullable=False),
        sa.Column("until", store.tables.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("subject_hash", name=op.f("pk_verification_cooldowns")),
    )
    op.create_table(
        "fulfilment_timers",
        sa.Column("conversation_id", ID, autoincrement=False, nullable=False),
        sa.Column("due_at", store.tables.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("conversation_id", name=op.f("pk_fulfilment_timers")),
    )
    op.create_index("ix_fulfilment_timers_due_at", "fulfilment_timers", ["due_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_fulfilment_timers_due_at", table_name="fulfilment_timers")
    op.drop_table("fulfilment_timers")
    op.drop_table("verification_cooldowns")
    op.drop_table("password_reset_tokens")
    op.drop_index("ix_directory_accounts_org", table_name="directory_accounts")
    op.drop_table("directory_accounts")
