"""Telling a database outage from a failure caused by the request.

An outage (the connection refused or cut, the server shutting down, too many connections, a
full disk, a read-only database) says nothing about the work that failed: the same work will
succeed once the database is back. The store raises :class:`models.StoreUnavailable` for those,
so the engine retries instead of apologising and the HTTP edge answers 503 + Retry-After instead
of 500. Everything else (a constraint violated, a bug) keeps its own exception.
"""

from __future__ import annotations

from sqlalchemy import exc as sa_exc

from models import StoreUnavailable

# PostgreSQL SQLSTATE classes and codes that mean "not now" (Appendix A of its manual):
# 08 connection exception, 53 insufficient resources (disk full, out of memory, too many
# connections), 57P operator intervention (admin shutdown, crash shutdown, cannot connect now),
# 25006 read-only transaction (a standby, default_transaction_read_only).
_PG_STATES = ("08", "53", "57P", "25006")

# SQLite's words for the same (sqlite3 has no error codes in its exception before 3.11's
# sqlite_errorcode, and the message is stable): a full disk, an I/O error, a read-only file,
# a file that cannot be opened, and another process holding the write lock past the timeout.
_SQLITE_WORDS = (
    "database or disk is full",
    "disk i/o error",
    "readonly database",
    "unable to open database",
    "database is locked",
)

# asyncpg's own exceptions for a connection that is gone (no SQLSTATE: the socket died).
_DRIVER_NAMES = frozenset(
    {
        "ConnectionDoesNotExistError",
        "ConnectionFailureError",
        "InterfaceError",
        "InternalClientError",
        "CannotConnectNowError",
        "TooManyConnectionsError",
    }
)


def is_unavailable(error: BaseException) -> bool:
    """Whether ``error`` (or what it was raised from) is a database outage."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if _looks_unavailable(current):
            return True
        orig = getattr(current, "orig", None)  # SQLAlchemy's wrapper of the driver's error
        if isinstance(orig, BaseException) and _looks_unavailable(orig):
            return True
        current = current.__cause__ or current.__context__
    return False


def _looks_unavailable(error: BaseException) -> bool:
    if isinstance(error, StoreUnavailable):
        return True
    if isinstance(error, sa_exc.DBAPIError) and error.connection_invalidated:
        return True
    if isinstance(error, sa_exc.TimeoutError):  # no pooled connection came back in time
        return True
    if isinstance(error, sa_exc.PendingRollbackError) and "reconnect" in str(error):
        return True  # the connection was invalidated inside the transaction
    if isinstance(error, OSError | TimeoutError):  # refused, reset, unreachable, timed out
        return True
    state = getattr(error, "sqlstate", None) or getattr(error, "pgcode", None)
    if isinstance(state, str) and state.startswith(_PG_STATES):
        return True
    if type(error).__name__ in _DRIVER_NAMES and "asyncpg" in type(error).__module__:
        return True
    words = str(error).lower()
    return "sqlite" in type(error).__module__.lower() and any(w in words for w in _SQLITE_WORDS)


def is_read_only(error: BaseException) -> bool:
    """Whether PostgreSQL refused a write because the session is read-only (SQLSTATE 25006):
    a server a managed service switched to read-only (its disk nearly full), or a connection
    left on a primary that a failover made a standby. Such a connection stays read-only for
    its whole life, even after the database takes writes again, so it must be dropped, not
    reused (``store/engine.py``)."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if getattr(current, "sqlstate", None) == "25006":
            return True
        current = current.__cause__ or current.__context__
    return False


def unavailable(error: BaseException) -> StoreUnavailable:
    """The :class:`StoreUnavailable` to raise from ``error`` (what the database said, short)."""
    if isinstance(error, StoreUnavailable):
        return error
    reason = str(getattr(error, "orig", None) or error).strip().splitlines()
    return StoreUnavailable(f"the database is unavailable: {reason[0] if reason else ''}"[:200])
