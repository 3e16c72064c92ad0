"""Report queries: the support metrics counted and ranked in the database.

Nothing here loads tickets into Python: every metric is one grouped scan of the period's tickets
(plus one ranking pass for the percentiles), so a report over a million tickets stays within a
few seconds on SQLite and on PostgreSQL. Where the two dialects differ: epoch seconds and
integer floor (``store/sql_dialect.py``), and percentiles (``percentile_cont`` on PostgreSQL;
``row_number`` over a window with the same linear interpolation on SQLite, here). Definitions
of every number: ``docs/metrics.md``.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from sqlalchemy import (
    and_,
    bindparam,
    case,
    func,
    literal,
    not_,
    or_,
    select,
    text,
)
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement

from models import TicketStatus, TicketType
from models.metrics import CsatCounts, DurationStats, ReportPeriod, TicketCounts
from models.sla import BusinessHours

from . import tables as t
from .sql_dialect import Dialect

T = t.tickets
GROUP_COLUMNS: dict[str, Any] = {
    "type": T.c.type,
    "priority": T.c.priority,
    "channel": T.c.channel,
    "team": T.c.team,
    "agent": T.c.assignee_id,
}
REOPEN_EVENT, SELF_SERVICE_EVENT = "status:reopen", "self_service"  # (#13: knowledge base)
QUANTILES = (0.5, 0.9)
# SQLite expression indexes of migration 0005 (keep identical, or SQLite will not use them).
FRT_DAYS = "julianday(coalesce(first_response_at, resolved_at)) - julianday(created_at)"
RESOLUTION_DAYS = "julianday(resolved_at) - julianday(created_at)"
BOT_FRT_DAYS = "julianday(bot_first_response_at) - julianday(created_at)"  # migration 0011
SORT_INDEXES = {
    "frt": ("ix_tickets_frt_days", FRT_DAYS),
    "rt": ("ix_tickets_resolution_days", RESOLUTION_DAYS),
    "bfrt": ("ix_tickets_bot_frt_days", BOT_FRT_DAYS),
}
# (name, the column of the grouped row holding how many tickets have the duration)
_DURATIONS = (("frt", 9), ("rt", 11), ("bfrt", 14))
_DURATION_DIGITS = 3  # julianday is a double: sub-millisecond digits are noise


def _flag(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return case((condition, 1), else_=0)


def _in_period(sql: Dialect, period: ReportPeriod) -> ColumnElement[bool]:
    created = sql.scanned(T.c.created_at)
    return and_(
        created >= period.since,
        created < period.until,
        sql.scanned(T.c.type) != TicketType.PROBLEM.value,
    )


def _ranks(n: int) -> set[int]:
    out: set[int] = set()
    for q in QUANTILES:
        low = math.floor(q * (n - 1))
        out.update((low, min(low + 1, n - 1)))
    return out


def _interpolate(at_rank: dict[int, float], n: int, q: float) -> float:
    position = q * (n - 1)
    low = math.floor(position)
    high = min(low + 1, n - 1)
    return at_rank[low] + (at_rank[high] - at_rank[low]) * (position - low)


def _round(value: Any) -> float | None:
    return None if value is None else round(float(value), _DURATION_DIGITS)


class ReportQueries:
    """Metrics for one period, in total or grouped (``uow.reports``)."""

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn
        self.sql = Dialect(conn.dialect.name)

    def group_expression(self, by: str | None) -> ColumnElement[Any]:
        """``None`` (one group for the whole period), a :data:`GROUP_COLUMNS` key, or ``day``."""
        if by is None:
            return literal("all")
        if by == "day":
            return self.sql.day(T.c.created_at)
        if by == "tag":  # a ticket counts once under each of its tags (#12)
            return t.ticket_tags.c.tag
        if by not in GROUP_COLUMNS:
            raise ValueError(f"cannot group a report by {by!r}")
        return self.sql.scanned(GROUP_COLUMNS[by])

    @staticmethod
    def tickets_from(by: str | None, tickets: Any = T) -> Any:
        """The tickets, joined to their tags when grouping by tag (untagged ones: NULL)."""
        if by != "tag":
            return tickets
        return tickets.outerjoin(t.ticket_tags, t.ticket_tags.c.ticket_id == T.c.id)

    async def ticket_counts(
        self,
        period: ReportPeriod,
        now: datetime,
        by: str | None = None,
        hours: BusinessHours | None = None,
    ) -> dict[Any, TicketCounts]:
        """Counts and duration statistics of the period's tickets, per group value."""
        sql = self.sql
        responded_at = func.coalesce(T.c.first_response_at, T.c.resolved_at)
        event = t.ticket_events.c
        reopened = T.c.id.in_(select(event.ticket_id).where(event.kind == REOPEN_EVENT))
        self_served = T.c.id.in_(select(event.ticket_id).where(event.kind == SELF_SERVICE_EVENT))
        resolved = T.c.resolved_at.is_not(None)
        has_due = and_(T.c.first_response_due.is_not(None), T.c.resolution_due.is_not(None))
        fr_met = and_(responded_at.is_not(None), responded_at <= T.c.first_response_due)
        fr_missed = or_(
            responded_at > T.c.first_response_due,
            and_(responded_at.is_(None), T.c.first_response_due < now),
        )
        res_met = and_(resolved, T.c.resolved_at <= T.c.resolution_due)
        res_missed = or_(
            T.c.resolved_at > T.c.resolution_due,
            and_(T.c.resolved_at.is_(None), T.c.resolution_due < now),
        )
        frt = sql.duration(T.c.created_at, responded_at, hours)
        rt = sql.duration(T.c.created_at, T.c.resolved_at, hours)
        bfrt = sql.duration(T.c.created_at, T.c.bot_first_response_at, hours)
        durations = {"frt": frt, "rt": rt, "bfrt": bfrt}
        base = (
            select(
                self.group_expression(by).label("grp"),
                frt.label("frt"),
                rt.label("rt"),
                bfrt.label("bfrt"),
                _flag(T.c.escalated.is_(True)).label("escalated"),
                _flag(resolved).label("resolved"),
                _flag(and_(resolved, T.c.resolution_count <= 1, not_(reopened))).label("fcr"),
                _flag(and_(resolved, T.c.auto_fulfilled.is_(True))).label("auto"),
                _flag(and_(resolved, T.c.auto_fulfilled.is_(True), self_served)).label("self"),
                _flag(and_(has_due, fr_met, res_met)).label("sla_met"),
                _flag(and_(has_due, or_(and_(fr_met, res_met), fr_missed, res_missed))).label(
                    "sla_decided"
                ),
            )
            .select_from(self.tickets_from(by))
            .where(_in_period(self.sql, period))
            .cte("base")
        )
        columns = [
            base.c.grp,
            func.count().label("volume"),
            func.sum(base.c.escalated),
            func.sum(base.c.resolved),
            func.sum(base.c.fcr),
            func.sum(base.c.auto),
            func.sum(base.c.sla_met),
            func.sum(base.c.sla_decided),
            func.avg(base.c.frt),
            func.count(base.c.frt),
            func.avg(base.c.rt),
            func.count(base.c.rt),
            func.sum(base.c.self),
            func.avg(base.c.bfrt),
            func.count(base.c.bfrt),
        ]
        if sql.pg:
            columns += [
                func.percentile_cont(q).within_group(base.c[name])
                for name, _ in _DURATIONS
                for q in (0.5, 0.9)
            ]
        await self._sort_in_memory()
        rows = (await self.conn.execute(select(*columns).group_by(base.c.grp))).all()
        percentiles: dict[tuple[Any, str], tuple[Any, Any]] = {}
        if sql.pg:
            for r in rows:
                for i, (name, _) in enumerate(_DURATIONS):
                    percentiles[(r[0], name)] = (r[15 + 2 * i], r[16 + 2 * i])
        elif by is None and hours is None and await self._has_sort_indexes():
            for name, n_col in _DURATIONS:
                n = int(rows[0][n_col]) if rows and rows[0][n_col] else 0
                if n:
                    percentiles[(rows[0][0], name)] = await self._walk_percentiles(name, period, n)
        else:
            where = _in_period(sql, period)
            grp = self.group_expression(by)
            for name, n_col in _DURATIONS:
                duration = durations[name]
                sizes = {r[0]: int(r[n_col]) for r in rows if r[n_col]}
                lean = (
                    select(grp.label("grp"), duration.label("d"))
                    .select_from(self.tickets_from(by))
                    .where(where, duration.is_not(None))
                )
                for key, values in (await self._sqlite_percentiles(lean.subquery(), sizes)).items():
                    percentiles[(key, name)] = values
        out: dict[Any, TicketCounts] = {}
        for r in rows:
            fp = percentiles.get((r[0], "frt"), (None, None))
            rp = percentiles.get((r[0], "rt"), (None, None))
            bp = percentiles.get((r[0], "bfrt"), (None, None))
            out[r[0]] = TicketCounts(
                volume=int(r[1]),
                escalated=int(r[2] or 0),
                resolved=int(r[3] or 0),
                resolved_first_contact=int(r[4] or 0),
                auto_resolved=int(r[5] or 0),
                self_served=int(r[12] or 0),
                sla_met=int(r[6] or 0),
                sla_decided=int(r[7] or 0),
                first_response=DurationStats(_round(fp[0]), _round(fp[1]), _round(r[8]), r[9]),
                resolution=DurationStats(_round(rp[0]), _round(rp[1]), _round(r[10]), r[11]),
                bot_first_response=DurationStats(
                    _round(bp[0]), _round(bp[1]), _round(r[13]), r[14]
                ),
            )
        return out

    async def _sort_in_memory(self) -> None:
        """Let the percentile sorts of a million durations run in memory: with the defaults
        (4 MB ``work_mem`` on PostgreSQL, a 2 MB page cache on SQLite) they spill to temporary
        files and take twice as long."""
        if self.sql.pg:
            await self.conn.execute(text("SET LOCAL work_mem = '64MB'"))
        else:
            await self.conn.execute(text("PRAGMA cache_size = -131072"))
            await self.conn.execute(text("PRAGMA temp_store = MEMORY"))

    async def _has_sort_indexes(self) -> bool:
        names = [name for name, _ in SORT_INDEXES.values()]
        query = text(
            "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name IN :names"
        ).bindparams(bindparam("names", names, expanding=True))
        return int((await self.conn.execute(query)).scalar_one()) == len(names)

    async def _walk_percentiles(
        self, name: str, period: ReportPeriod, n: int
    ) -> tuple[float, float]:
        """Median and 90th percentile of one duration over the whole period, read off the
        duration's index (SQLite): ``ORDER BY`` the indexed expression with ``OFFSET`` walks the
        index without sorting; the period's columns are in the index, so no row is read."""
        index, days = SORT_INDEXES[name]
        found: dict[int, float] = {}
        for rank in sorted(_ranks(n)):
            if rank in found:
                continue
            query = text(
                f"SELECT {days} FROM tickets INDEXED BY {index} "
                "WHERE created_at >= :since AND created_at < :until AND type != :problem "
                f"AND {days} IS NOT NULL ORDER BY {days} LIMIT 2 OFFSET :rank"
            ).bindparams(
                bindparam("since", period.since, type_=t.UTCDateTime()),
                bindparam("until", period.until, type_=t.UTCDateTime()),
                bindparam("problem", TicketType.PROBLEM.value),
                bindparam("rank", rank),
            )
            for i, (value,) in enumerate((await self.conn.execute(query)).all()):
                found[rank + i] = float(value) * 86400
        return _interpolate(found, n, 0.5), _interpolate(found, n, 0.9)

    async def _sqlite_percentiles(
        self, values: Any, sizes: dict[Any, int]
    ) -> dict[Any, tuple[float, float]]:
        """Median and 90th percentile of ``values.d`` per ``values.grp`` (``sizes``: how many
        values each group has), interpolated like ``percentile_cont``: at fraction q of n sorted
        values, position q*(n-1) (0-based). SQL ranks the values and returns only the two around
        each position; a window function with known sizes sorts once and buffers nothing."""
        wanted = {key: _ranks(n) for key, n in sizes.items()}
        ranked = select(
            values.c.grp,
            values.c.d,
            (func.row_number().over(partition_by=values.c.grp, order_by=values.c.d) - 1).label("i"),
        ).subquery("ranked")
        picks = [
            and_(ranked.c.grp.is_(None) if key is None else ranked.c.grp == key,
                 ranked.c.i.in_(sorted(ranks)))
            for key, ranks in wanted.items()
        ]  # fmt: skip
        if not picks:
            return {}
        query = select(ranked.c.grp, ranked.c.i, ranked.c.d).where(or_(*picks))
        found: dict[Any, dict[int, float]] = {}
        for key, i, d in (await self.conn.execute(query)).all():
            found.setdefault(key, {})[int(i)] = float(d)
        return {
            key: (
                _interpolate(found.get(key, {}), n, 0.5),
                _interpolate(found.get(key, {}), n, 0.9),
            )
            for key, n in sizes.items()
        }

    async def csat_counts(
        self, period: ReportPeriod, by: str | None = None
    ) -> dict[Any, CsatCounts]:
        """Ratings of the period's tickets (every resolution round counts once), per group."""
        c = t.csat_responses
        grp = self.group_expression(by).label("grp")
        query = (
            select(grp, func.count(), func.sum(c.c.score), func.sum(_flag(c.c.score >= 4)))
            .select_from(self.tickets_from(by, c.join(T, c.c.ticket_id == T.c.id)))
            .where(_in_period(self.sql, period))
            .group_by(grp)
        )
        return {
            r[0]: CsatCounts(int(r[1]), int(r[2] or 0), int(r[3] or 0))
            for r in (await self.conn.execute(query)).all()
        }

    async def csat_distribution(self, period: ReportPeriod) -> dict[int, int]:
        """How many ratings of each score 1..5 the period's tickets received."""
        c = t.csat_responses
        query = (
            select(c.c.score, func.count())
            .select_from(c.join(T, c.c.ticket_id == T.c.id))
            .where(_in_period(self.sql, period))
            .group_by(c.c.score)
        )
        found = {int(r[0]): int(r[1]) for r in (await self.conn.execute(query)).all()}
        return {score: found.get(score, 0) for score in range(1, 6)}

    async def open_tickets_by_status(self) -> dict[str, int]:
        closed = [TicketStatus.RESOLVED.value, TicketStatus.CLOSED.value]
        query = (
            select(T.c.status, func.count()).where(T.c.status.not_in(closed)).group_by(T.c.status)
        )
        return {r[0]: int(r[1]) for r in (await self.conn.execute(query)).all()}
