"""imap_cursors: the last IMAP UID the email channel stored per mailbox (a restart reads on)

Revision ID: 0015
Revises: 0014
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import store.tables

revision: str = "0015"
down_revision: str | Sequence[str] | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "imap_cursors",
        sa.Column("mailbox", sa.String(400), nullable=False),
        sa.Column("uid_validity", sa.BigInteger(), nullable=False),
        sa.Column("last_uid", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", store.tables.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("mailbox", name="pk_imap_cursors"),
    )


def downgrade() -> None:
    op.drop_table("imap_cursors")
