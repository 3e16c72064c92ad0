"""Whether the database still takes writes (for ``/healthz``).

A ``SELECT 1`` succeeds on a read-only database and on a full disk, where every customer's
message fails; so health also commits one tiny write through the group-commit writer (the path
every real write takes): it rewrites Alembic's one-row version table with its own value.
"""

from __future__ import annotations

import asyncio

from sqlalchemy import text

from .database import Store
from .unit_of_work import UnitOfWork

PROBE = text("UPDATE alembic_version SET version_num = version_num")


async def write_failure(store: Store, timeout: float = 3.0) -> str | None:
    """None when a write commits within ``timeout`` seconds, else why it did not."""

    async def touch(uow: UnitOfWork) -> None:
        await uow.conn.execute(PROBE)

    try:
        await asyncio.wait_for(store.write(touch), timeout)
    except TimeoutError:
        return f"a write did not commit within {timeout:g} s"
    except Exception as exc:  # what the database said is the point: report it, don't raise
        while exc.__cause__ is not None and isinstance(exc.__cause__, Exception):
            exc = exc.__cause__  # the driver's own words, under any translation
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()
        return f"{type(exc).__name__}: {reason[0] if reason else ''}"[:200]
    return None
