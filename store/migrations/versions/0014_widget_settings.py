"""widget_settings: the embeddable widget's look and the origins allowed to embed it

Revision ID: 0014
Revises: 0013
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import store.tables

revision: str = "0014"
down_revision: str | Sequence[str] | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "widget_settings",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("colour", sa.String(7), nullable=False),
        sa.Column("title", sa.String(60), nullable=False),
        sa.Column("greeting", sa.String(500), nullable=False),
        sa.Column("position", sa.String(8), nullable=False),
        sa.Column("allowed_origins", sa.Text(), nullable=False),
        sa.Column("ask_email", sa.Boolean(), nullable=False),
        sa.Column("updated_at", store.tables.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_widget_settings"),
    )


def downgrade() -> None:
    op.drop_table("widget_settings")
