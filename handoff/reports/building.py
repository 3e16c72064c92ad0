"""Building a metrics report from the store: the one function the CLI and the reports page call.

The store counts (``uow.reports``); :mod:`models.metrics` turns counts into the report's numbers.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from models.metrics import (
    GROUPINGS,
    CsatCounts,
    ReportPeriod,
    TicketCounts,
    TicketMetrics,
    flatten,
)
from models.sla import BusinessHours

if TYPE_CHECKING:
    from store.unit_of_work import UnitOfWork

NO_GROUP = "(none)"
UNASSIGNED = "(unassigned)"


@dataclass(frozen=True)
class Report:
    period: ReportPeriod
    totals: TicketMetrics
    by: str | None = None
    breakdown: dict[str, TicketMetrics] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        data = self.totals.as_json()
        data["period"] = self.period.as_json()
        if self.by is not None:
            data["breakdown"] = {key: m.as_json() for key, m in self.breakdown.items()}
        return data

    def as_csv(self) -> str:
        """One header row and one row per group (``all`` first), a column per number."""
        rows = [{"group": "all", **flatten(self.totals.as_json())}]
        rows += [{"group": key, **flatten(m.as_json())} for key, m in self.breakdown.items()]
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: "" if v is None else v for k, v in row.items()})
        return out.getvalue()


async def metrics_by(
    uow: UnitOfWork,
    period: ReportPeriod,
    now: datetime,
    by: str | None,
    hours: BusinessHours | None = None,
) -> dict[Any, TicketMetrics]:
    """Metrics per raw group value (``None`` groups included), from two grouped queries."""
    counts = await uow.reports.ticket_counts(period, now, by, hours)
    csat = await uow.reports.csat_counts(period, by)
    keys = list(counts) + [k for k in csat if k not in counts]
    return {
        k: TicketMetrics(counts.get(k, TicketCounts()), csat.get(k, CsatCounts())) for k in keys
    }


async def build_report(
    uow: UnitOfWork,
    period: ReportPeriod,
    now: datetime,
    *,
    by: str | None = None,
    hours: BusinessHours | None = None,
) -> Report:
    """The report for ``period``; ``now`` decides which open tickets have already missed an SLA
    target. ``by`` is one of :data:`models.metrics.GROUPINGS` (``agent`` groups by assignee)."""
    if by is not None and by not in GROUPINGS:
        raise ValueError(f"cannot break a report down by {by!r}: use {', '.join(GROUPINGS)}")
    totals = (await metrics_by(uow, period, now, None, hours)).get("all")
    report = Report(period, totals or TicketMetrics(TicketCounts(), CsatCounts()), by)
    if by is None:
        return report
    groups = await metrics_by(uow, period, now, by, hours)
    names: dict[Any, str] = {}
    if by == "agent":
        names = {a.id: a.email for a in await uow.agents.list()}
    empty = UNASSIGNED if by == "agent" else NO_GROUP
    labelled = {
        (empty if key is None else names.get(key, str(key))): metrics
        for key, metrics in groups.items()
    }
    report.breakdown.update(sorted(labelled.items()))
    return report


async def daily_series(
    uow: UnitOfWork, period: ReportPeriod, now: datetime, hours: BusinessHours | None = None
) -> dict[str, TicketMetrics]:
    """Metrics per UTC day of ticket creation, oldest first (the reports page's charts)."""
    return dict(sorted((await metrics_by(uow, period, now, "day", hours)).items()))
