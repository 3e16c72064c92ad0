"""metrics: an index for incidents per intent over time, and the open problem per intent

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import store.tables

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.create_index(
            "ix_tickets_type_created_intent", ["type", "created_at", "intent"], unique=False
        )
    op.create_table(
        "open_problems",
        sa.Column("intent", sa.String(length=64), nullable=False),
        sa.Column(
            "problem_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("created_at", store.tables.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["problem_id"], ["tickets.id"], name=op.f("fk_open_problems_problem_id_tickets")
        ),
        sa.PrimaryKeyConstraint("intent", name=op.f("pk_open_problems")),
    )


def downgrade() -> None:
    op.drop_table("open_problems")
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_index("ix_tickets_type_created_intent")
