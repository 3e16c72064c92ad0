"""Counters for abuse limits, kept in the database so every process sees the same count.

One row per subject (``login:account:ada@example.com``, ``login:ip:203.0.113.9``...). A hit is
one ``INSERT ... ON CONFLICT DO UPDATE ... RETURNING`` (SQLite and PostgreSQL alike): the row
lock makes concurrent hits on one subject count one after the other, so of 60 parallel login
attempts exactly the first five see a count of five or less, whichever process serves them.

A window starts with the first hit after the previous window ended (not on the clock's
quarter hour), so a burst is never split across two windows and allowed twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, delete, literal, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from . import tables as t


@dataclass(frozen=True, slots=True)
class Count:
    """How many hits a subject has in its current window, and when that window ends."""

    hits: int
    window_ends: datetime

    def over(self, limit: int) -> bool:
        """Whether this hit is beyond ``limit`` (0 = no limit)."""
        return limit > 0 and self.hits > limit


class RateCounterRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def hit(self, subject: str, now: datetime, window: timedelta) -> Count:
        """Count one more event of ``subject``; a window older than ``window`` starts anew."""
        c = t.rate_counters.c
        when = literal(now, t.UTCDateTime())
        live = c.window_start > literal(now - window, t.UTCDateTime())
        insert = pg_insert if self.conn.dialect.name == "postgresql" else sqlite_insert
        statement = (
            insert(t.rate_counters)
            .values(subject=subject[:200], window_start=now, hits=1)
            .on_conflict_do_update(
                index_elements=[c.subject],
                set_={
                    "hits": case((live, c.hits + 1), else_=1),
                    "window_start": case((live, c.window_start), else_=when),
                },
            )
            .returning(c.hits, c.window_start)
        )
        row = (await self.conn.execute(statement)).one()
        return Count(int(row[0]), row[1] + window)

    async def undo(self, subject: str) -> None:
        """Take one hit back (a login that turned out right does not count against its IP)."""
        c = t.rate_counters.c
        await self.conn.execute(
            update(t.rate_counters).where(c.subject == subject[:200], c.hits > 0)
            .values(hits=c.hits - 1)
        )  # fmt: skip

    async def forget(self, subject: str) -> None:
        await self.conn.execute(
            delete(t.rate_counters).where(t.rate_counters.c.subject == subject[:200])
        )

    async def purge(self, before: datetime) -> int:
        """Drop counters whose window started before ``before`` (they no longer limit)."""
        result = await self.conn.execute(
            delete(t.rate_counters).where(t.rate_counters.c.window_start < before)
        )
        return int(result.rowcount or 0)
