"""The store: a group-commit writer for every write, a small pool for reads.

Measured on these machines (docs/architecture.md): one ORM commit per request behind a pool of
SQLite connections serves ~1,100 writes/s with a 276 ms p99; one writer that commits whatever
has queued while the previous commit ran serves ~14,000/s. So every write is a function queued
to a single writer task. It runs each function in its own SAVEPOINT (one failing write does not
undo its neighbours), commits the batch once, and only then resolves each caller's future:
an answer given to a client is always durable.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import Engine, event, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from .connections import AsyncpgConnection, SyncConnection
from .engine import (
    create_engine,
    create_sqlite_small_reader,
    create_sqlite_writer,
    is_sqlite,
    normalise_url,
)
from .outage import is_unavailable, unavailable
from .unit_of_work import UnitOfWork

log = logging.getLogger(__name__)
T = TypeVar("T")
Work = Callable[[UnitOfWork], Awaitable[T]]
MAX_BATCH = 512
GATHER_SECONDS = 0.002


class StoreClosed(RuntimeError):
    """A write was queued after the store was closed."""


@dataclass(slots=True)
class _Job:
    work: Work[Any]
    future: asyncio.Future[Any]
    callbacks: list[Callable[[], None]] = field(default_factory=list)


class Store:
    """Open with ``async with Store(url) as store`` (or :meth:`open`/:meth:`close`)."""

    def __init__(
        self,
        url: str,
        *,
        read_pool_size: int | None = None,
        gather_seconds: float = GATHER_SECONDS,
    ) -> None:
        self.url = normalise_url(url)
        self.gather_seconds = gather_seconds
        self._read_pool_size = read_pool_size
        self._reader: AsyncEngine | None = None
        self._writer_engine: AsyncEngine | None = None
        self._sqlite_writer: Engine | None = None
        self._sqlite_small: Engine | None = None
        self._queue: asyncio.Queue[_Job] = asyncio.Queue()
        self._writer_task: asyncio.Task[None] | None = None
        self._closed = False
        # Observed by the benchmark and ``/metrics``: commits of the writer (``batches``), the
        # writes they carried (``jobs``) and every SQL statement sent to the database by this
        # store's connections (``statements``, reads included; ``statements_written`` by the
        # writer), counted by SQLAlchemy's cursor event.
        self.batches = 0
        self.jobs = 0
        self.statements = 0
        self.statements_written = 0  # of those, the writer's
        # The hot statements straight to the driver (store/direct.py); False sends them through
        # SQLAlchemy's execution like every other statement (bench/message_cpu.py's "before").
        self.direct = True

    @property
    def dialect(self) -> str:
        return "sqlite" if self.url.startswith("sqlite") else "postgresql"

    @property
    def reader(self) -> AsyncEngine:
        if self._reader is None:
            raise StoreClosed("the store is not open")
        return self._reader

    async def open(self) -> Store:
        # PostgreSQL: up to 12 connections, opened as needed and kept (store/engine.py: no
        # overflow). SQLite: 4 (aiosqlite runs a thread per connection, for the big reads only).
        size = self._read_pool_size or (4 if is_sqlite(self.url) else 12)
        self._reader = create_engine(self.url, pool_size=size, reads=True)
        if is_sqlite(self.url):
            self._sqlite_writer = create_sqlite_writer(self.url)
            self._sqlite_small = create_sqlite_small_reader(self.url)
        else:
            self._writer_engine = create_engine(self.url, pool_size=1, writer=True)
        for engine, count in (
            (self._reader, self._count_read),
            (self._writer_engine, self._count_write),
            (self._sqlite_writer, self._count_write),
            (self._sqlite_small, self._count_read),
        ):
            if engine is not None:
                sync = engine.sync_engine if isinstance(engine, AsyncEngine) else engine
                event.listen(sync, "before_cursor_execute", count)
        self._closed = False
        self._writer_task = asyncio.create_task(self._run_writer(), name="store-writer")
        return self

    async def close(self) -> None:
        self._closed = True
        if self._writer_task is not None:
            self._writer_task.cancel()
            try:
                await self._writer_task
            except asyncio.CancelledError:
                pass
            self._writer_task = None
        while not self._queue.empty():
            job = self._queue.get_nowait()
            if not job.future.done():
                job.future.set_exception(StoreClosed("the store closed before this write ran"))
        for engine in (self._writer_engine, self._reader):
            if engine is not None:
                await engine.dispose()
        for sync_engine in (self._sqlite_writer, self._sqlite_small):
            if sync_engine is not None:
                sync_engine.dispose()
        self._reader = self._writer_engine = self._sqlite_writer = self._sqlite_small = None

    def writes_waiting(self) -> int:
        """Writes queued for the writer and not yet taken into a commit (backpressure)."""
        return self._queue.qsize()

    @property
    def commits(self) -> tuple[int, int]:
        """(commits of the writer, writes they carried) so far."""
        return self.batches, self.jobs

    def _count_read(self, *_: Any) -> None:
        self.statements += 1

    def _count_write(self, *_: Any) -> None:
        self.statements += 1
        self.statements_written += 1

    async def __aenter__(self) -> Store:
        return await self.open()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def write(self, work: Work[T]) -> T:
        """Run ``work`` in the writer's transaction; returns once it is committed.

        Raises :class:`models.StoreUnavailable` when the database is unreachable, full or
        read-only (nothing of ``work`` was kept, unless the connection died during the COMMIT
        itself: then it may have been kept, so retried work must be idempotent).
        """
        if self._closed or self._writer_task is None:
            raise StoreClosed("the store is not open")
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait(_Job(work, future))
        try:
            return await future
        except Exception as exc:
            if is_unavailable(exc):  # an outage, not the work's fault: StoreUnavailable
                raise unavailable(exc) from exc
            raise

    async def read(self, work: Work[T], *, small: bool = False) -> T:
        """Run ``work`` on a pooled connection, to read (never to write: on PostgreSQL the
        connection is in autocommit, each statement reading committed rows as of its start,
        as it would in a READ COMMITTED transaction; on SQLite a deferred transaction).

        ``small``: a read of a few rows by key (a customer's poll, a session), which on SQLite
        runs synchronously on the event loop like the writer: a local indexed read takes
        microseconds, far less than aiosqlite's two thread hand-offs per statement (and the GIL
        they fight over). Never for a read that scans (reports, search): it would stall the loop.

        Raises :class:`models.StoreUnavailable` when the database cannot be reached.
        """
        try:
            if small and self._sqlite_small is not None:
                with self._sqlite_small.connect() as sync_conn:
                    conn = SyncConnection(
                        sync_conn, self._count_read, self.direct, transaction=False
                    )
                    return await work(UnitOfWork(conn))  # type: ignore[arg-type]
            async with self.reader.connect() as async_conn:
                if self.direct and self.dialect == "postgresql":
                    wrapped = AsyncpgConnection(async_conn, self._count_read)
                    return await work(UnitOfWork(wrapped))  # type: ignore[arg-type]
                return await work(UnitOfWork(async_conn))  # aiosqlite: through SQLAlchemy
        except Exception as exc:
            if is_unavailable(exc):
                raise unavailable(exc) from exc
            raise

    async def ping(self) -> bool:
        try:
            async with self.reader.connect() as conn:
                await conn.execute(text("SELECT 1"))
            return True
        except Exception:
            log.warning("database ping failed", exc_info=True)
            return False

    async def _run_writer(self) -> None:
        loop = asyncio.get_running_loop()
        last_commit = -1.0
        while True:
            job = await self._queue.get()
            # Let the writes of the same moment join this commit. The SQLite writer runs on the
            # event loop, so without yielding here it took each job alone as it came (1.2 per
            # commit under load). Idle, it yields for one pass of the loop; busy (the previous
            # commit ended less than ``gather_seconds`` ago) it commits at most once per
            # ``gather_seconds``, collecting whatever queues meanwhile.
            since = loop.time() - last_commit
            await asyncio.sleep(max(0.0, self.gather_seconds - since))
            batch = [job]
            while len(batch) < MAX_BATCH and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            try:
                if self._sqlite_writer is not None:
                    await self._commit_sqlite_batch(self._sqlite_writer, batch)
                else:
                    assert self._writer_engine is not None
                    async with self._writer_engine.connect() as conn:
                        if self.direct:
                            conn = AsyncpgConnection(conn, self._count_write)  # type: ignore[assignment]
                        await self._commit_batch(conn, batch)
            except asyncio.CancelledError:
                for j in batch:
                    if not j.future.done():
                        j.future.set_exception(StoreClosed("the store closed during this write"))
                raise
            except Exception as exc:  # the commit itself failed: nothing in the batch is durable
                if is_unavailable(exc):
                    why = unavailable(exc)
                    log.warning("group commit of %d writes failed: %s", len(batch), why)
                else:
                    log.exception("group commit of %d writes failed", len(batch))
                for j in batch:
                    if not j.future.done():
                        j.future.set_exception(exc)
            last_commit = loop.time()

    async def _commit_sqlite_batch(self, engine: Engine, batch: list[_Job]) -> None:
        """SQLite: the writer's statements run synchronously on the event loop.

        A statement on a local SQLite file takes microseconds, far less than the two thread
        hand-offs aiosqlite spends on each; the batch's COMMIT in WAL mode with
        ``synchronous=NORMAL`` does not wait for the disk. The one thing that could block is
        another process's write lock: ``BEGIN IMMEDIATE`` gives up after 50 ms and is retried
        here with ``asyncio.sleep``, so the loop keeps serving meanwhile.
        """
        delay = 0.01
        while True:
            with engine.connect() as sync_conn:
                conn = SyncConnection(sync_conn, self._count_write, self.direct)
                try:
                    await conn.begin()
                except OperationalError as exc:
                    if "locked" not in str(exc) and "busy" not in str(exc):
                        raise
                    log.info("database locked by another process; retrying in %.2fs", delay)
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, 1.0)
                    continue
                await self._commit_batch(conn, batch, begun=True)  # type: ignore[arg-type]
                return

    async def _commit_batch(
        self, conn: AsyncConnection, batch: list[_Job], begun: bool = False
    ) -> None:
        outcomes: list[tuple[_Job, bool, Any]] = []
        if not begun:
            await conn.begin()
        batch = [job for job in batch if not job.future.cancelled()]
        if len(batch) == 1:
            # Alone in its transaction: no SAVEPOINT needed, a failure rolls the whole
            # transaction back (two statements fewer per write when the writer is not busy).
            job = batch[0]
            uow = UnitOfWork(conn)
            try:
                result = await job.work(uow)
            except Exception as exc:
                if is_unavailable(exc):  # the connection is gone
                    raise
                await conn.rollback()
                self.batches += 1
                self.jobs += 1
                if not job.future.done():
                    job.future.set_exception(exc)
                return
            job.callbacks = uow.committed_callbacks()
            outcomes.append((job, True, result))
        else:
            for job in batch:
                uow = UnitOfWork(conn)
                try:
                    async with conn.begin_nested():
                        result = await job.work(uow)
                except Exception as exc:
                    if is_unavailable(exc):  # the connection is gone: so is the whole batch
                        raise
                    outcomes.append((job, False, exc))
                else:
                    job.callbacks = uow.committed_callbacks()
                    outcomes.append((job, True, result))
        await conn.commit()
        self.batches += 1
        self.jobs += len(batch)
        for job, ok, value in outcomes:
            if ok:
                for callback in job.callbacks:
                    try:
                        callback()
                    except Exception:
                        log.exception("after-commit callback failed")
            if job.future.done():
                continue
            if ok:
                job.future.set_result(value)
            else:
                job.future.set_exception(value)
