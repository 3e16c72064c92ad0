"""Creating the async engine for SQLite (embedded default) or PostgreSQL (scale-out)."""

from __future__ import annotations

import fcntl
import io
import time
from pathlib import Path
from typing import IO, Any

import sqlalchemy
import sqlalchemy.pool
from sqlalchemy import Engine, event
from sqlalchemy.engine import ExceptionContext, make_url
from sqlalchemy.exc import InvalidatePoolError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from .outage import is_read_only

# A pooled PostgreSQL connection idle for longer than this is pinged before it is used again
# (see _check_liveness); one in steady use is not.
IDLE_PING_SECONDS = 1.0
_CHECKED_IN = "frontdesk_checked_in"  # monotonic time of a connection's last check-in


class DatabaseUrlError(ValueError):
    """A database URL Frontdesk cannot use."""


SUPPORTED = {"sqlite+aiosqlite", "postgresql+asyncpg"}


def normalise_url(url: str) -> str:
    """Accept the common spellings (``sqlite:///``, ``postgresql://``) and add the async driver."""
    try:
        parsed = make_url(url)
    except Exception as exc:
        raise DatabaseUrlError(f"not a database URL: {url!r}") from exc
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        parsed = parsed.set(drivername="sqlite+aiosqlite")
    elif backend in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+asyncpg")
    if parsed.drivername not in SUPPORTED:
        raise DatabaseUrlError(
            f"unsupported database {parsed.drivername!r}: use sqlite+aiosqlite:/// or postgresql://"
        )
    return parsed.render_as_string(hide_password=False)


def driver_dsn(url: str) -> str:
    """A PostgreSQL URL as asyncpg itself takes it (for connections outside SQLAlchemy: the
    advisory locks' and LISTEN/NOTIFY's)."""
    return (
        make_url(normalise_url(url))
        .set(drivername="postgresql")
        .render_as_string(hide_password=False)
    )


def hold_sqlite_file(url: str) -> IO[bytes] | None:
    """An exclusive lock on a file beside a SQLite database (its handle: the lock ends when it
    closes or the process dies), or ``None`` when another process holds it: a second server on
    one SQLite file, which works but waits on the first one's writes and sees its changes late."""
    database = make_url(normalise_url(url)).database
    if not database or database == ":memory:":
        return io.BytesIO()  # a database in memory: no other process can open it
    lock = open(f"{database}.server-lock", "a+b")  # noqa: SIM115 - kept open while serving
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        lock.close()
        return None
    return lock


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def create_engine(
    url: str, *, pool_size: int = 4, writer: bool = False, reads: bool = False
) -> AsyncEngine:
    """An engine whose connections are set up for our write path.

    SQLite: WAL (readers never block the writer), ``synchronous=NORMAL`` (survives a process
    crash, not a power cut: see docs/architecture.md), a busy timeout so a CLI command writing
    beside a running server waits instead of failing, and SQLAlchemy's recipe that makes
    pysqlite honour BEGIN/SAVEPOINT (the group-commit writer depends on savepoints).

    PostgreSQL, ``reads``: connections in autocommit. At READ COMMITTED (the default, which
    the store keeps) every statement sees its own snapshot, in a transaction or not, so the
    BEGIN and ROLLBACK that SQLAlchemy's asyncpg adapter wraps around each read bought nothing
    but two round trips per read (issue #11). Only :meth:`store.database.Store.read` uses it.
    """
    url = normalise_url(url)
    kwargs: dict[str, Any] = {}
    if is_sqlite(url):
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        kwargs["pool_size"] = pool_size
        kwargs["max_overflow"] = 0
        kwargs["connect_args"] = {"timeout": 30}
    else:
        kwargs["pool_size"] = pool_size
        kwargs["max_overflow"] = 4
        if reads:
            kwargs["isolation_level"] = "AUTOCOMMIT"
            # No overflow: a connection opened under a burst of reads stays pooled. With
            # overflow, 64 customers' polls opened and closed connections all the time (asyncpg's
            # connect, its SSL attempt and re-preparing the hot statements: ~5 % of the CPU).
            kwargs["max_overflow"] = 0
    engine = create_async_engine(url, **kwargs)
    if is_sqlite(url):
        _configure_sqlite(engine, begin="BEGIN IMMEDIATE" if writer else "BEGIN")
    else:
        _drop_read_only_connections(engine)
        _check_liveness(engine)
    return engine


def _check_liveness(engine: AsyncEngine) -> None:
    """A dead pooled connection is replaced before use, at the price of a round trip only
    for a connection that sat idle.

    SQLAlchemy's ``pool_pre_ping`` pings on every checkout: with asyncpg that is BEGIN, ``;``
    and ROLLBACK, three round trips and a greenlet switch, paid by every read and every commit
    of the writer (1-3 extra round trips per message under load, issue #11). Here a checkout
    costs nothing when asyncpg already knows the socket closed (a terminated backend, a server
    shut down or restarted: the loop has read the end of the stream) and pings only a
    connection idle for more than :data:`IDLE_PING_SECONDS` (a silent network loss, a
    failover). Either failure drops every connection pooled before it, as ``pool_pre_ping``
    did. A connection that dies between check and use fails its statement as a disconnect,
    which the store reports as an outage (503, retried) and the pool likewise replaces.
    """
    sync = engine.sync_engine

    @event.listens_for(sync, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        if dbapi_connection.driver_connection.is_closed():
            raise InvalidatePoolError("the connection was closed while pooled")
        checked_in = record.info.get(_CHECKED_IN)
        idle = checked_in is not None and time.monotonic() - checked_in > IDLE_PING_SECONDS
        if idle and not sync.dialect._do_ping_w_event(dbapi_connection):
            raise InvalidatePoolError("the connection did not answer a ping")

    @event.listens_for(sync, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info[_CHECKED_IN] = time.monotonic()


def _drop_read_only_connections(engine: AsyncEngine) -> None:
    """A PostgreSQL connection that refused a write as read-only is treated as a lost one: it
    and every connection pooled before it are replaced. A session keeps the read-only default
    it started with (``ALTER DATABASE ... SET default_transaction_read_only``), and after a
    failover the old connections still reach the old primary, now a standby; reused, they
    would refuse writes long after the database takes them again
    (``tests/test_pg_read_only.py``). The write that failed is still an outage (503, retried)."""

    @event.listens_for(engine.sync_engine, "handle_error")
    def _on_error(context: ExceptionContext) -> None:
        if is_read_only(context.original_exception):
            context.is_disconnect = True


def create_sqlite_writer(url: str) -> Engine:
    """A *synchronous* pysqlite engine for the store's single writer (see store/database.py).

    Its busy timeout is short: a write lock held by another process (a CLI command) is waited
    for by the writer asynchronously, never by blocking the event loop.
    """
    url = normalise_url(url)
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = sqlalchemy.create_engine(
        make_url(url).set(drivername="sqlite+pysqlite"),
        poolclass=sqlalchemy.pool.SingletonThreadPool,
        connect_args={"timeout": 0.05, "check_same_thread": False},
    )
    _configure_sqlite(engine, begin="BEGIN IMMEDIATE", busy_timeout_ms=50)
    return engine


def create_sqlite_small_reader(url: str) -> Engine:
    """A *synchronous* pysqlite engine for small reads on the event loop (``Store.read(...,
    small=True)``): a deferred BEGIN, a WAL snapshot that never waits for the writer."""
    url = normalise_url(url)
    engine = sqlalchemy.create_engine(
        make_url(url).set(drivername="sqlite+pysqlite"),
        poolclass=sqlalchemy.pool.QueuePool,
        pool_size=2,
        max_overflow=8,
        connect_args={"timeout": 0.05, "check_same_thread": False},
    )
    _configure_sqlite(engine, begin="BEGIN", busy_timeout_ms=50)
    return engine


def _configure_sqlite(
    engine: AsyncEngine | Engine, begin: str, busy_timeout_ms: int = 30000
) -> None:
    target = engine.sync_engine if isinstance(engine, AsyncEngine) else engine

    @event.listens_for(target, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves (below)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(target, "begin")
    def _on_begin(conn: Any) -> None:
        # Writers use IMMEDIATE: the write lock is taken up front, so two processes never
        # deadlock upgrading a read lock; the later one waits (busy_timeout) instead.
        # Readers use a deferred BEGIN: a consistent WAL snapshot that blocks nobody.
        conn.exec_driver_sql(begin)
