"""organisations: companies named by the admins, each with its email domains (one owner each)

Revision ID: 0016
Revises: 0015
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import store.tables

revision: str = "0016"
down_revision: str | Sequence[str] | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "organisations",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("created_at", store.tables.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_organisations"),
        sa.UniqueConstraint("name", name="uq_organisations_name"),
    )
    op.create_table(
        "organisation_domains",
        sa.Column("domain", sa.String(253), nullable=False),
        sa.Column("organisation_id", ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name="fk_organisation_domains_organisation_id_organisations",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("domain", name="pk_organisation_domains"),
    )
    op.create_index(
        "ix_organisation_domains_organisation_id", "organisation_domains", ["organisation_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_organisation_domains_organisation_id", "organisation_domains")
    op.drop_table("organisation_domains")
    op.drop_table("organisations")
