"""The tests' databases: each test gets its own, already at the latest migration.

Migrating a new PostgreSQL database costs ~1.5 s (fifteen migrations' DDL, each committed);
hundreds of tests paid it. The schema depends only on ``store/migrations``, so it is built once
per change of those files, in a template database (``fd_tpl_<hash>``, or a SQLite file per
test process), and every test gets a copy: ``CREATE DATABASE … TEMPLATE`` (~0.5 s) or a file
copy. The server a test starts still runs its migrations at start: they find the database at
its head, as a restarted server does.

Tests about migrating itself ask for an empty database with ``@pytest.mark.empty_database``.
"""

from __future__ import annotations

import asyncio
import hashlib
import shutil
import uuid
from pathlib import Path

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy.engine import URL, make_url

from store.migrate import MIGRATIONS, upgrade

_SQLITE_TEMPLATES: dict[Path, Path] = {}
_PG_TEMPLATES: dict[str, str] = {}
BUSY_TEMPLATE_RETRIES = 20


def migrations_key() -> str:
    digest = hashlib.sha256()
    for path in sorted(MIGRATIONS.rglob("*.py")):
        digest.update(path.relative_to(MIGRATIONS).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


async def migrated_sqlite(target: Path, templates: Path) -> str:
    """A SQLite database at ``target``, a copy of this process's migrated template."""
    template = _SQLITE_TEMPLATES.get(templates)
    if template is None:
        template = templates / f"frontdesk-{migrations_key()}.db"
        await upgrade(f"sqlite+aiosqlite:///{template}")
        _SQLITE_TEMPLATES[templates] = template
    shutil.copyfile(template, target)
    return f"sqlite+aiosqlite:///{target}"


async def _connect(url: URL) -> asyncpg.Connection:
    return await asyncpg.connect(
        host=url.host, port=url.port or 5432, user=url.username, database=url.database
    )


async def _pg_template(admin_url: str) -> str:
    """The template database for the current migrations, built once (one builder at a time
    across test processes; built under another name and renamed, so none is half-made)."""
    name = _PG_TEMPLATES.get(admin_url)
    if name is not None:
        return name
    name = f"fd_tpl_{migrations_key()}"
    url = make_url(admin_url)
    conn = await _connect(url)
    try:
        await conn.execute("SELECT pg_advisory_lock(hashtext($1))", name)
        try:
            if not await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
                building = f"{name}_building"
                await conn.execute(f'DROP DATABASE IF EXISTS "{building}" WITH (FORCE)')
                await conn.execute(f'CREATE DATABASE "{building}"')
                await upgrade(url.set(database=building).render_as_string(hide_password=False))
                await conn.execute(f'ALTER DATABASE "{building}" RENAME TO "{name}"')
        finally:
            await conn.execute("SELECT pg_advisory_unlock(hashtext($1))", name)
    finally:
        await conn.close()
    _PG_TEMPLATES[admin_url] = name
    return name


async def create_pg_database(admin_url: str, *, migrated: bool = True) -> tuple[str, str]:
    """A new database on the server of ``admin_url``: ``(url, name)``."""
    url = make_url(admin_url)
    template = await _pg_template(admin_url) if migrated else None
    name = f"fd_test_{uuid.uuid4().hex[:12]}"
    clause = f' TEMPLATE "{template}"' if template else ""
    conn = await _connect(url)
    try:
        for attempt in range(BUSY_TEMPLATE_RETRIES):
            try:
                await conn.execute(f'CREATE DATABASE "{name}"{clause}')
                break
            except asyncpg.ObjectInUseError:  # another process is cloning it this instant
                if attempt == BUSY_TEMPLATE_RETRIES - 1:
                    raise
                await asyncio.sleep(0.05 * (attempt + 1))
    finally:
        await conn.close()
    return url.set(database=name).render_as_string(hide_password=False), name


async def drop_pg_database(admin_url: str, name: str) -> None:
    conn = await _connect(make_url(admin_url))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()
