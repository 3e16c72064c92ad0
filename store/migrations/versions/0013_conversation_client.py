"""conversations.client: the address a web chat was opened from

Abuse limits that hold per client address (mails sent on a visitor's behalf, tickets opened)
are counted when the conversation acts, long after the HTTP request that opened it; the address
is kept on the conversation for that. Empty for platforms that give none (Telegram, Discord).

Revision ID: 0013
Revises: 0012
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # a plain ADD COLUMN on both databases (no table copy on SQLite)
    op.add_column("conversations", sa.Column("client", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("conversations") as batch:
        batch.drop_column("client")
