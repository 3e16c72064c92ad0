"""The connections a unit of work is handed: the slice of ``AsyncConnection`` the repositories
use, with the hot statements (store/direct.py) sent to the driver directly."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncConnection

from .direct import is_hot, plan_for, run_asyncpg, run_asyncpg_sql, run_sqlite


class SyncConnection:
    """Over a synchronous pysqlite connection (the SQLite writer and the small reads on the
    event loop: see :meth:`store.database.Store.read`). ``counted`` is called for every
    statement sent directly (SQLAlchemy's own are counted by its cursor event)."""

    def __init__(
        self,
        conn: Connection,
        counted: Callable[[], None],
        direct: bool = True,
        transaction: bool = True,
    ) -> None:
        self._conn = conn
        self._counted = counted
        self._direct = direct
        # False (the small reads): a hot statement runs in SQLite's own implicit transaction,
        # without a BEGIN through SQLAlchemy first (its begin event, exec_driver_sql and the
        # ROLLBACK at check-in were ~5 % of the server's CPU under load, a poll being 2-3 reads).
        self._transaction = transaction
        self._savepoints = 0
        self._raw: Any = None

    @property
    def dialect(self) -> Any:
        return self._conn.dialect

    async def execute(self, statement: Any, parameters: Any = None) -> Any:
        if self._direct and is_hot(statement):
            given = parameters or {}
            plan = plan_for(statement, self._conn.dialect, given)
            if plan is not None:
                if self._transaction and not self._conn.in_transaction():
                    self._conn.begin()  # the BEGIN SQLAlchemy would have sent (engine.py)
                if self._raw is None:
                    self._raw = self._conn.connection.dbapi_connection
                self._counted()
                return run_sqlite(self._raw, plan, given, self._conn.dialect)
        # Buffered like AsyncConnection's results, and the cursor closed: pysqlite keeps an
        # INSERT ... RETURNING "in progress" (refusing COMMIT) until its cursor is closed.
        # A SELECT's open cursor is harmless: its result is read as it comes (no copy).
        result = self._conn.execute(statement, parameters)
        ctx = result.context
        if not result.returns_rows or not (ctx.isinsert or ctx.isupdate or ctx.isdelete):
            return result
        buffered = result.freeze()()
        result.close()
        return buffered

    async def begin(self) -> None:
        self._conn.begin()

    async def commit(self) -> None:
        self._conn.commit()

    async def rollback(self) -> None:
        self._conn.rollback()

    @contextlib.asynccontextmanager
    async def begin_nested(self) -> AsyncIterator[None]:
        # The SQL itself, not ``Connection.begin_nested``: SQLAlchemy compiles a uniquely named
        # SAVEPOINT construct every time (~170-350 us a job against ~40 us), and a busy commit
        # carries a savepoint for each of its ~15 writes.
        self._savepoints += 1
        name = f"job_{self._savepoints}"
        self._conn.exec_driver_sql(f"SAVEPOINT {name}")
        try:
            yield
        except BaseException:
            self._conn.exec_driver_sql(f"ROLLBACK TO SAVEPOINT {name}")
            self._conn.exec_driver_sql(f"RELEASE SAVEPOINT {name}")
            raise
        else:
            self._conn.exec_driver_sql(f"RELEASE SAVEPOINT {name}")
        finally:
            self._savepoints -= 1


class AsyncpgConnection:
    """Over SQLAlchemy's ``AsyncConnection`` to PostgreSQL: hot statements as asyncpg prepared
    statements in the same transaction, everything else through SQLAlchemy (every other
    attribute is the ``AsyncConnection``'s)."""

    def __init__(self, conn: AsyncConnection, counted: Callable[[], None]) -> None:
        self._conn = conn
        self._counted = counted
        self._savepoints = 0

    @property
    def dialect(self) -> Any:
        return self._conn.dialect

    async def execute(self, statement: Any, parameters: Any = None) -> Any:
        if is_hot(statement) and not self._conn.invalidated:
            given = parameters or {}
            plan = plan_for(statement, self._conn.dialect, given)
            if plan is not None:
                self._counted()
                return await run_asyncpg(self._conn, plan, given)
        return await self._conn.execute(statement, parameters)

    @contextlib.asynccontextmanager
    async def begin_nested(self) -> AsyncIterator[None]:
        # Sent directly like the SQLite writer's (SyncConnection.begin_nested): through
        # SQLAlchemy each job's SAVEPOINT and RELEASE were compiled and run via the greenlet.
        # A job's own savepoint (the outermost) is never released: each RELEASE is a round
        # trip, and the batch's COMMIT releases them all. The next job's SAVEPOINT of the same
        # name nests in it, and ROLLBACK TO names the newest one of that name, so a failed job
        # still undoes only its own work (the savepoint itself stays, empty). Savepoints
        # nested inside a job are released as before.
        self._savepoints += 1
        name = f"job_{self._savepoints}"
        await self._sql(f"SAVEPOINT {name}")
        try:
            yield
        except BaseException:
            await self._sql(f"ROLLBACK TO SAVEPOINT {name}")
            if self._savepoints > 1:
                await self._sql(f"RELEASE SAVEPOINT {name}")
            raise
        else:
            if self._savepoints > 1:
                await self._sql(f"RELEASE SAVEPOINT {name}")
        finally:
            self._savepoints -= 1

    async def _sql(self, sql: str) -> None:
        self._counted()
        await run_asyncpg_sql(self._conn, sql)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)
