"""The few SQL expressions SQLite and PostgreSQL spell differently, for the report queries:
epoch seconds (``julianday`` / ``extract(epoch)``), integer floor, greatest/least, a scan SQLite
must not answer from an index, the UTC day, and business-hours durations."""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Float, Integer, case, cast, extract, func
from sqlalchemy.sql.elements import ColumnElement, UnaryExpression
from sqlalchemy.sql.operators import custom_op

from models.sla import BusinessHours

JULIAN_UNIX_EPOCH = 2440587.5


class Dialect:
    """The few expressions SQLite and PostgreSQL spell differently."""

    def __init__(self, name: str) -> None:
        self.pg = name == "postgresql"

    def epoch(self, col: Any) -> ColumnElement[Any]:
        if self.pg:
            return cast(extract("epoch", col), Float)
        return (func.julianday(col) - JULIAN_UNIX_EPOCH) * 86400.0

    def seconds_between(self, start: Any, end: Any) -> ColumnElement[Any]:
        if self.pg:
            return cast(extract("epoch", end - start), Float)
        return (func.julianday(end) - func.julianday(start)) * 86400.0

    def floor_int(self, value: Any) -> ColumnElement[Any]:
        # Only ever applied to positive numbers, where SQLite's truncating CAST is a floor.
        return cast(func.floor(value), BigInteger) if self.pg else cast(value, Integer)

    def greatest(self, a: Any, b: Any) -> ColumnElement[Any]:
        return func.greatest(a, b) if self.pg else func.max(a, b)

    def least(self, a: Any, b: Any) -> ColumnElement[Any]:
        return func.least(a, b) if self.pg else func.min(a, b)

    def scanned(self, col: Any) -> ColumnElement[Any]:
        """``col`` as a term SQLite will not use an index for (unary plus, its documented way).

        A report reads most of the table: a sequential scan takes 0.3 s over a million tickets,
        where SQLite's default plan (a range on ``ix_tickets_created_at``, then a row lookup per
        ticket, or ``GROUP BY`` along ``ix_tickets_assignee_id``) takes 2 s to 30 s.
        PostgreSQL's planner has statistics to choose well on its own.
        """
        if self.pg:
            return col
        return UnaryExpression(col, operator=custom_op("+"), type_=col.type)

    def day(self, col: Any) -> ColumnElement[Any]:
        """The UTC date of a timestamp as ``YYYY-MM-DD`` text (SQLite stores UTC text)."""
        if self.pg:
            return func.to_char(func.timezone("UTC", col), "YYYY-MM-DD")
        return func.substr(col, 1, 10)

    def business_seconds(self, col: Any, hours: BusinessHours) -> ColumnElement[Any]:
        """:meth:`BusinessHours.cumulative_seconds` as SQL, term for term."""
        local = self.epoch(col) + float(hours.utc_offset_s)
        day = self.floor_int(local / 86400.0)
        second = local - day * 86400.0
        weeks = self.floor_int(day / 7.0)
        rest = day - weeks * 7
        prefix = hours.week_prefix_s()
        workdays = [r for r in range(7) if hours.is_workday(r)]
        within = self.least(self.greatest(second, hours.open_s), hours.close_s) - hours.open_s
        return (
            weeks * hours.weekly_s
            + case(*((rest == r, prefix[r]) for r in range(7)), else_=0)
            + case((rest.in_(workdays), within), else_=0.0)
        )

    def duration(self, start: Any, end: Any, hours: BusinessHours | None) -> ColumnElement[Any]:
        if hours is None:
            return self.seconds_between(start, end)
        return self.business_seconds(end, hours) - self.business_seconds(start, hours)
