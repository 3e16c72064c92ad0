"""Applying Alembic migrations, from the CLI (`frontdesk db upgrade`) and at server start."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, text

from .advisory_locks import lock_key
from .engine import create_engine

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


async def upgrade(url: str, revision: str = "heads") -> None:
    """Bring the database at ``url`` to ``revision`` (all heads by default)."""
    engine = create_engine(url, pool_size=1, writer=True)
    try:
        async with engine.connect() as conn:

            def run(sync_conn: Connection) -> None:
                if sync_conn.dialect.name == "postgresql":
                    # Several processes starting together on one database migrate one at a
                    # time (the lock ends with this transaction); the later ones find it done.
                    sync_conn.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                                      {"key": lock_key("migrations")})  # fmt: skip
                command.upgrade(alembic_config(sync_conn), revision)

            await conn.run_sync(run)
            await conn.commit()
    finally:
        await engine.dispose()


async def current_revisions(url: str) -> set[str]:
    from alembic.runtime.migration import MigrationContext

    engine = create_engine(url, pool_size=1)
    try:
        async with engine.connect() as conn:

            def read(sync_conn: Connection) -> Any:
                return MigrationContext.configure(sync_conn).get_current_heads()

            return set(await conn.run_sync(read))
    finally:
        await engine.dispose()
