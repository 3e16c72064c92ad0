"""A message's hot statements sent to the driver directly (issue #11).

Every statement a message's path executes (accepting it, processing it, the reply, the
customer's polls) is built once at import with SQLAlchemy Core and marked :func:`hot`. The first
time it runs on a dialect with a given set of parameter names (they decide an INSERT's columns
and an UPDATE's SET clause, as they do in SQLAlchemy) SQLAlchemy compiles it into a
:class:`Plan`: the SQL text, its parameters in order with SQLAlchemy's own bind processors, the
Python column defaults SQLAlchemy would fill in, and the result columns' processors. From then
on it goes to the driver as it is, without SQLAlchemy's execution (execution context, parameter
dictionaries, cursor result metadata, row objects; on PostgreSQL the greenlet switch and the
DBAPI adaptation per statement): sqlite3's cursor on the writer's or the small reads'
connection, an asyncpg prepared statement (prepared once per connection) on PostgreSQL. Rows come
back as tuples (:class:`Rows`).

Everything else (reports, search, the agents' console, a statement built per call) goes through
SQLAlchemy as before. The SQL of a hot statement is still written once, in Core, and its values
are converted by the same type processors: ``tests/store/test_direct.py`` compares both paths'
rows and effects for every hot statement on SQLite and PostgreSQL. Driver errors are wrapped in
SQLAlchemy's exceptions (``IntegrityError``...), so callers and the outage detection
(store/outage.py) see what they saw before.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, TypeVar

from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.base import Executable
from sqlalchemy.sql.crud import REQUIRED
from sqlalchemy.sql.dml import UpdateBase

from .outage import is_read_only

S = TypeVar("S", bound=Executable)

# id -> statement; the statement is kept alive here, so its id is never reused by another object.
_HOT: dict[int, Executable] = {}
# (dialect, statement, parameter names of a DML statement, lengths of the lists) -> plan
_PLANS: dict[tuple[str, int, tuple[str, ...], tuple[int, ...]], Plan | None] = {}
_EXPANDING: dict[tuple[str, int], tuple[str, ...]] = {}  # a statement's expanding IN lists
_PREPARED = "frontdesk_prepared"  # key of a connection's prepared statements in its pool record


def hot(statement: S) -> S:
    """Mark ``statement`` (built once, at import) to be sent to the driver directly."""
    _HOT[id(statement)] = statement
    return statement


def is_hot(statement: object) -> bool:
    return id(statement) in _HOT


class Plan:
    """A hot statement compiled for one dialect and one set of parameter names."""

    __slots__ = (
        "_convert", "_dialect", "_expand", "_slots", "_types", "keys", "returns_rows", "sql",
    )  # fmt: skip

    def __init__(self, compiled: Any, dialect: Dialect, given: Mapping[str, Any]) -> None:
        defaults = compiled.construct_params(_check=False)
        processors = dict(compiled._bind_processors)
        self.sql: str = compiled.string
        positions = compiled.positiontup
        # An expanding IN (a list) as SQLAlchemy expands it for a list of this length.
        self._expand: dict[str, list[str]] = {}
        if any(b.expanding for b in compiled.binds.values()):
            state = compiled.construct_expanded_state(given)
            self.sql, positions = state.statement, state.positiontup
            processors.update(state.processors)
            self._expand = dict(state.parameter_expansion)
        fill: dict[str, Callable[[], Any]] = {}
        prefetch = [(c, c.default) for c in compiled.insert_prefetch]
        prefetch += [(c, c.onupdate) for c in compiled.update_prefetch]
        for column, default in prefetch:
            if default is None:
                continue
            if default.is_scalar:
                fill[column.key] = _constant(default.arg)
            elif default.is_callable:  # SQLAlchemy wrapped it to take an execution context
                fill[column.key] = _called(default.arg)
            else:
                raise _Unsupported(f"{column} has a default SQLAlchemy runs as SQL")
        self._slots = tuple(
            (name, processors.get(name), defaults.get(name), fill.get(name)) for name in positions
        )
        columns = compiled._result_columns
        self.returns_rows = bool(columns)
        self.keys = tuple(c.keyname for c in columns)
        self._types = tuple(c.type for c in columns)
        self._dialect = dialect
        self._convert: tuple[tuple[int, Callable[[Any], Any]], ...] | None = None

    def result_types(self, driver_types: Sequence[Any]) -> None:
        """Choose the result processors, once: SQLAlchemy picks some by the type the driver
        reports (asyncpg's OID of a numeric column; pysqlite reports none)."""
        if self._convert is None:
            self._convert = tuple(
                (i, p)
                for i, (t, driver_type) in enumerate(zip(self._types, driver_types, strict=True))
                if (p := t._cached_result_processor(self._dialect, driver_type)) is not None
            )

    def arguments(self, given: Mapping[str, Any]) -> list[Any]:
        """The statement's parameters in order, converted as SQLAlchemy converts them."""
        if self._expand:
            given = dict(given)
            for name, names in self._expand.items():
                given.update(zip(names, given[name], strict=True))
        out = []
        for name, process, default, fill in self._slots:
            if name in given:
                value = given[name]
            elif fill is not None:
                value = fill()
            elif default is REQUIRED:
                raise sa_exc.ArgumentError(f"a value is required for bind parameter {name!r}")
            else:
                value = default
            out.append(value if process is None else process(value))
        return out

    def rows(self, found: Sequence[Sequence[Any]]) -> list[tuple[Any, ...]]:
        convert = self._convert
        assert convert is not None, "result_types() first"
        if not convert:
            return [tuple(r) for r in found]
        out = []
        for raw in found:
            row = list(raw)
            for i, process in convert:
                row[i] = process(row[i])
            out.append(tuple(row))
        return out


def _constant(value: Any) -> Callable[[], Any]:
    return lambda: value


def _called(function: Callable[[Any], Any]) -> Callable[[], Any]:
    return lambda: function(None)


class _Unsupported(Exception):
    """A statement this module cannot send directly (it then goes through SQLAlchemy)."""


def plan_for(statement: Executable, dialect: Dialect, given: Mapping[str, Any]) -> Plan | None:
    """The plan of a hot statement with these parameters, or ``None`` if it has none."""
    dml = isinstance(statement, UpdateBase)
    expanding = _EXPANDING.get((dialect.name, id(statement)), ())
    lists = tuple(len(given[name]) for name in expanding)
    key = (dialect.name, id(statement), tuple(given) if dml else (), lists)
    try:
        return _PLANS[key]
    except KeyError:
        pass
    keys = list(given) if dml else None
    compiled = statement.compile(dialect=dialect, column_keys=keys)  # type: ignore[attr-defined]
    names = tuple(name for name, b in compiled.binds.items() if b.expanding)
    if names != expanding:  # learnt at its first compilation: key it by its lists' lengths
        _EXPANDING[(dialect.name, id(statement))] = names
        return plan_for(statement, dialect, given)
    plan: Plan | None = None
    if compiled.positiontup is not None:
        try:
            plan = Plan(compiled, dialect, given)
        except _Unsupported:
            plan = None
    _PLANS[key] = plan
    return plan


class Rows:
    """A hot statement's result: rows as tuples, the slice of SQLAlchemy's ``Result`` the
    repositories use."""

    __slots__ = ("_keys", "_rows", "rowcount")

    def __init__(self, rows: list[tuple[Any, ...]], keys: tuple[str, ...], rowcount: int) -> None:
        self._rows = rows
        self._keys = keys
        self.rowcount = rowcount

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        return iter(self._rows)

    def all(self) -> list[tuple[Any, ...]]:
        return self._rows

    def first(self) -> tuple[Any, ...] | None:
        return self._rows[0] if self._rows else None

    def one(self) -> tuple[Any, ...]:
        if len(self._rows) != 1:
            raise (
                sa_exc.NoResultFound("expected one row")
                if not self._rows
                else (sa_exc.MultipleResultsFound("expected one row"))
            )
        return self._rows[0]

    def one_or_none(self) -> tuple[Any, ...] | None:
        if len(self._rows) > 1:
            raise sa_exc.MultipleResultsFound("expected at most one row")
        return self.first()

    def scalar(self) -> Any:
        row = self.first()
        return None if row is None else row[0]

    def scalar_one(self) -> Any:
        return self.one()[0]

    def scalar_one_or_none(self) -> Any:
        row = self.one_or_none()
        return None if row is None else row[0]

    def scalars(self) -> list[Any]:
        return [r[0] for r in self._rows]

    def mappings(self) -> Mappings:
        return Mappings([dict(zip(self._keys, r, strict=True)) for r in self._rows])


class Mappings(list[dict[str, Any]]):
    """Rows as dictionaries (``Result.mappings()``)."""

    def first(self) -> dict[str, Any] | None:
        return self[0] if self else None

    def all(self) -> list[dict[str, Any]]:
        return list(self)

    def one(self) -> dict[str, Any]:
        if len(self) != 1:
            raise sa_exc.NoResultFound("expected one row")
        return self[0]


def run_sqlite(
    raw: sqlite3.Connection, plan: Plan, given: Mapping[str, Any], dialect: Dialect
) -> Rows:
    """Execute on a sqlite3 connection (in the transaction SQLAlchemy's connection began)."""
    arguments = plan.arguments(given)
    try:
        cursor = raw.execute(plan.sql, arguments)
        # Read to the end and closed: pysqlite keeps an INSERT ... RETURNING in progress
        # (refusing COMMIT) until its cursor is exhausted or closed.
        found = cursor.fetchall() if plan.returns_rows else []
        count = cursor.rowcount
        cursor.close()
        plan.result_types([None] * len(plan.keys))
    except sqlite3.Error as error:
        raise _wrapped(plan.sql, arguments, error, dialect, False) from error
    return Rows(plan.rows(found), plan.keys, count)


async def run_asyncpg(conn: AsyncConnection, plan: Plan, given: Mapping[str, Any]) -> Rows:
    """Execute as an asyncpg prepared statement (prepared once per connection) in the
    transaction of SQLAlchemy's connection (see :func:`asyncpg_driver`)."""
    arguments = plan.arguments(given)
    record: Any = conn.sync_connection.connection  # type: ignore[union-attr]
    adapted = record.dbapi_connection
    try:
        driver = await asyncpg_driver(conn)
        prepared_statements: dict[str, Any] | None = record.info.get(_PREPARED)
        if prepared_statements is None:
            prepared_statements = record.info[_PREPARED] = {}
        prepared = prepared_statements.get(plan.sql)
        if prepared is None:
            prepared = prepared_statements[plan.sql] = await driver.prepare(plan.sql)
            plan.result_types([a.type.oid for a in prepared.get_attributes()])
        found = await prepared.fetch(*arguments)
        count = -1
        if not plan.returns_rows:
            status = prepared.get_statusmsg() or ""
            count = int(status.rsplit(" ", 1)[-1]) if status[-1:].isdigit() else -1
    except Exception as error:
        raise await _translated(conn, adapted, plan.sql, arguments, error) from error
    return Rows(plan.rows(found), plan.keys, count)


async def run_asyncpg_sql(conn: AsyncConnection, sql: str) -> None:
    """A statement without parameters or rows (a SAVEPOINT) in the connection's transaction."""
    adapted: Any = conn.sync_connection.connection.dbapi_connection  # type: ignore[union-attr]
    try:
        await (await asyncpg_driver(conn)).execute(sql)
    except Exception as error:
        raise await _translated(conn, adapted, sql, [], error) from error


async def asyncpg_driver(conn: AsyncConnection) -> Any:
    """The asyncpg connection under SQLAlchemy's, in its transaction: begun here as SQLAlchemy's
    asyncpg adapter begins it on a connection's first statement, so SQLAlchemy's COMMIT and
    ROLLBACK (and its own statements) apply to what is sent here too."""
    adapted: Any = conn.sync_connection.connection.dbapi_connection  # type: ignore[union-attr]
    if adapted._transaction is None and not adapted.autocommit:
        await adapted._start_transaction()
    return adapted._connection


async def _translated(
    conn: AsyncConnection, adapted: Any, sql: str, arguments: list[Any], error: Exception
) -> Exception:
    """An asyncpg error as SQLAlchemy's execution would have raised it, the connection handled
    as it would have handled it: a lost connection, or one refusing writes as read-only
    (store/engine.py), is dropped with every connection pooled before it."""
    dialect = conn.dialect
    try:
        adapted._handle_exception(error)  # raises the DBAPI error SQLAlchemy maps it to
    except Exception as dbapi_error:
        error = dbapi_error
    lost = dialect.is_disconnect(error, adapted, None) or is_read_only(error)  # type: ignore[arg-type]
    if lost:
        try:
            record = conn.sync_connection.connection  # type: ignore[union-attr]
            conn.sync_engine.pool._invalidate(record, error, _checkin=False)  # older ones
            await conn.invalidate(error)
        except Exception:  # the connection is gone already; the pool discards it
            pass
    return _wrapped(sql, arguments, error, dialect, lost)


def _wrapped(
    sql: str, arguments: list[Any], error: Exception, dialect: Dialect, invalidated: bool
) -> Exception:
    return sa_exc.DBAPIError.instance(
        sql,
        arguments,
        error,
        dialect.loaded_dbapi.Error,
        connection_invalidated=invalidated,
        dialect=dialect,
    )
