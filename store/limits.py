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
from typing import Any

from sqlalchemy import bindparam, case, delete, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from . import tables as t
from .direct import hot


def _hit(insert: Any) -> Any:
    """One hit: a new window, or one more in a window started after ``_since``."""
    c = t.rate_counters.c
    live = c.window_start > bindparam("_since", type_=t.UTCDateTime())
    return hot(
        insert(t.rate_counters)
        .values(subject=bindparam("subject"), window_start=bindparam("_now"), hits=1)
        .on_conflict_do_update(
            index_elements=[c.subject],
            set_={
                "hits": case((live, c.hits + 1), else_=1),
                "window_start": case(
                    (live, c.window_start), else_=bindparam("_now", type_=t.UTCDateTime())
                ),
            },
        )
        .returning(c.hits, c.window_start)
    )


_HIT_PG, _HIT_SQLITE = _hit(pg_insert), _hit(sqlite_insert)  # built once (a new ticket's path)


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
        statement = _HIT_PG if self.conn.dialect.name == "postgresql" else _HIT_SQLITE
        params = {"subject": subject[:200], "_now": now, "_since": now - window}
        row = (await self.conn.execute(statement, params)).one()
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
