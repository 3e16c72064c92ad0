"""Alembic environment: runs on the connection Frontdesk hands over (see store/migrate.py)."""

from __future__ import annotations

from alembic import context

from store.tables import metadata

config = context.config


def run_migrations() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run migrations through `frontdesk db upgrade` (store.migrate)")
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
