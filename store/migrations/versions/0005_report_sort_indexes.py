"""SQLite: indexes on the two report durations, so percentiles are an index walk

A median over a million tickets otherwise needs a full sort (2+ s each on SQLite); walking an
index on the duration expression (with the period's columns, so no row is looked up) finds a
rank in ~0.1 s. PostgreSQL computes percentiles with percentile_cont and needs no such index.

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Kept identical to store/reports.py's FRT_DAYS / RESOLUTION_DAYS: SQLite uses an expression
# index only for the very same expression.
FRT_DAYS = "julianday(coalesce(first_response_at, resolved_at)) - julianday(created_at)"
RESOLUTION_DAYS = "julianday(resolved_at) - julianday(created_at)"


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute(f"CREATE INDEX ix_tickets_frt_days ON tickets (({FRT_DAYS}), created_at, type)")
    op.execute(
        f"CREATE INDEX ix_tickets_resolution_days ON tickets (({RESOLUTION_DAYS}), created_at, type)"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("DROP INDEX ix_tickets_resolution_days")
    op.execute("DROP INDEX ix_tickets_frt_days")
