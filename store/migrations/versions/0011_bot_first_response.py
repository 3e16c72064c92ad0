"""tickets.bot_first_response_at: the bot's first reply, reported beside the team's

``first_response_at`` keeps meaning the team's first reply (an agent's, or the bot's when it
fulfils the request itself); the bot's acknowledgement of a handed-off ticket is reported apart
as ``bot_first_response_time``. SQLite gets an index on the duration, like migration 0005.

Revision ID: 0011
Revises: 0010
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import store.tables

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Kept identical to store/reports.py's BOT_FRT_DAYS (SQLite matches expression indexes verbatim).
BOT_FRT_DAYS = "julianday(bot_first_response_at) - julianday(created_at)"


def upgrade() -> None:
    op.add_column(  # a plain ADD COLUMN on both databases (no table copy on SQLite)
        "tickets",
        sa.Column("bot_first_response_at", store.tables.UTCDateTime(timezone=True), nullable=True),
    )
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            f"CREATE INDEX ix_tickets_bot_frt_days ON tickets (({BOT_FRT_DAYS}), created_at, type)"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP INDEX ix_tickets_bot_frt_days")
    op.execute("ALTER TABLE tickets DROP COLUMN bot_first_response_at")  # SQLite 3.35+
