"""One owner per background job among the processes sharing a PostgreSQL database.

Each process keeps one connection of its own for this and takes a session-level advisory lock
per job it runs (``pg_try_advisory_lock``, which never waits). PostgreSQL releases a session's
locks when its connection ends, and the kernel closes a killed process's sockets, so a process
that dies (SIGKILL included) frees its jobs at once; a standby asking again
(``service.periodic.STANDBY_SECONDS``) takes them over. A process that loses its connection
(a network cut, a database restart) forgets every lock it held before it asks again, so it never
believes it holds what another process may have taken meanwhile.

The jobs stay safe to overlap (leases, conditional updates): the lock keeps them from running
twice, which costs work, and the Telegram poller from meeting another (409 Conflict); it is not
what makes them correct.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from typing import Any

import asyncpg

from .engine import driver_dsn

log = logging.getLogger(__name__)
PING_SECONDS = 5.0


def lock_key(name: str) -> int:
    """A stable 64-bit key for a job's name (the same in every process and version)."""
    digest = hashlib.blake2b(f"frontdesk:{name}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class AdvisoryLocks:
    """``await locks.holds(name)``: whether this process holds job ``name`` (taking it when
    free). Satisfies ``service.periodic.Owner``."""

    def __init__(self, url: str) -> None:
        self._dsn = driver_dsn(url)
        self._conn: Any = None
        self._held: set[str] = set()
        self._use = asyncio.Lock()  # one statement at a time on the connection

    @property
    def held(self) -> frozenset[str]:
        return frozenset(self._held)

    async def holds(self, name: str) -> bool:
        async with self._use:
            try:
                conn = await self._connection()
                if name in self._held:  # still ours while the session lives
                    await asyncio.wait_for(conn.fetchval("SELECT 1"), PING_SECONDS)
                    return True
                key = lock_key(name)
                got = await asyncio.wait_for(
                    conn.fetchval("SELECT pg_try_advisory_lock($1)", key), PING_SECONDS
                )
            except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                log.warning("advisory locks: connection lost (%s); holding nothing", exc)
                await self._drop()
                return False
            if got:
                self._held.add(name)
            return bool(got)

    async def _connection(self) -> Any:
        if self._conn is None or self._conn.is_closed():
            await self._drop()
            self._conn = await asyncio.wait_for(asyncpg.connect(self._dsn), PING_SECONDS)
        return self._conn

    async def _drop(self) -> None:
        self._held.clear()
        conn, self._conn = self._conn, None
        if conn is not None and not conn.is_closed():
            conn.terminate()

    async def close(self) -> None:
        """End the session: PostgreSQL releases every lock it held."""
        async with self._use:
            conn, self._conn = self._conn, None
            self._held.clear()
            if conn is not None and not conn.is_closed():
                try:
                    await asyncio.wait_for(conn.close(), PING_SECONDS)
                except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError):
                    conn.terminate()
