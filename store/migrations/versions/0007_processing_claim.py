"""messages.claimed_until: a lease on processing an inbound message

The process that accepts a message leases it until ``claimed_until``; a periodic sweep in any
process claims messages left unprocessed past their lease (an atomic UPDATE ... RETURNING, with
FOR UPDATE SKIP LOCKED on PostgreSQL), so a message whose processing failed during a database
outage is answered without a restart, once, whichever process takes it (issue #15).

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import store.tables

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("messages", sa.Column("claimed_until", store.tables.UTCDateTime(), nullable=True))


def downgrade() -> None:
    op.drop_column("messages", "claimed_until")
