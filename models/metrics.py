"""The support metrics as values: periods, the aggregates the store counts, and the report.

The store counts and ranks in SQL (``store/reports.py``) and hands back :class:`TicketCounts`
and :class:`CsatCounts`; turning counts into rates happens here, in one place, so the CLI, the
reports page and the tests all agree on what a rate with nothing to divide by is (``None``).
Definitions: ``docs/metrics.md``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from .inputs import clamp_moment

DEFAULT_PERIOD = timedelta(days=30)
GROUPINGS = ("type", "priority", "channel", "team", "agent", "tag")
"""What ``--by`` accepts: a ticket column, ``agent`` (the assignee) or ``tag`` (a ticket counts
under each of its tags)."""
METRIC_KEYS = (
    "first_response_time",
    "bot_first_response_time",
    "resolution_time",
    "first_contact_resolution_rate",
    "volume",
    "escalation_rate",
    "csat",
    "automation_rate",
    "self_service_rate",
    "sla_compliance",
)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True, slots=True)
class ReportPeriod:
    """Tickets created in ``[since, until)``; both aware UTC datetimes."""

    since: datetime
    until: datetime

    def __post_init__(self) -> None:
        if self.since.tzinfo is None or self.until.tzinfo is None:
            raise ValueError("a report period needs timezone-aware datetimes")
        if self.since >= self.until:
            raise ValueError(
                f"the period is empty: since {self.since.isoformat()} is not before "
                f"until {self.until.isoformat()}"
            )

    @property
    def length(self) -> timedelta:
        return self.until - self.since

    def previous(self) -> ReportPeriod:
        """The period of the same length just before this one (for side-by-side comparison)."""
        return ReportPeriod(self.since - self.length, self.since)

    def as_json(self) -> dict[str, str]:
        return {"since": self.since.isoformat(), "until": self.until.isoformat()}


def parse_moment(value: str, option: str, *, end_of_day: bool = False) -> datetime:
    """A ``YYYY-MM-DD`` date (midnight UTC; with ``end_of_day`` the following midnight, so an
    ``--until`` date includes that whole day) or an ISO-8601 datetime (UTC when no offset)."""
    text = value.strip()
    try:
        if _DATE.match(text):
            moment = clamp_moment(datetime.fromisoformat(text).replace(tzinfo=UTC))
            return moment + timedelta(days=1) if end_of_day else moment
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        if moment.tzinfo is not None:
            moment = moment.astimezone(UTC)
    except (ValueError, OverflowError):  # OverflowError: 0001-01-01T00:00+01:00 in UTC
        raise ValueError(
            f"{option}: not a date: {value!r} (use YYYY-MM-DD or an ISO-8601 datetime)"
        ) from None
    # Clamped: 0001-01-01 minus a period's length (the comparison period) is no datetime.
    return clamp_moment(moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment)


def parse_period(since: str | None, until: str | None, now: datetime) -> ReportPeriod:
    """The period a user asked for; by default the 30 days up to ``now``."""
    end = parse_moment(until, "--until", end_of_day=True) if until else now
    start = parse_moment(since, "--since") if since else end - DEFAULT_PERIOD
    return ReportPeriod(start, end)


def rate(numerator: int, denominator: int) -> float | None:
    """A share, or ``None`` when there is nothing to take a share of."""
    return numerator / denominator if denominator else None


@dataclass(frozen=True, slots=True)
class DurationStats:
    """Seconds; the percentiles interpolate linearly between ranks (like ``percentile_cont``)."""

    median_s: float | None = None
    p90_s: float | None = None
    mean_s: float | None = None
    count: int = 0

    def as_json(self) -> dict[str, Any]:
        return {
            "median_s": self.median_s,
            "p90_s": self.p90_s,
            "mean_s": self.mean_s,
            "count": self.count,
        }


@dataclass(frozen=True, slots=True)
class TicketCounts:
    """What the store counts over the tickets of one group in one period."""

    volume: int = 0
    escalated: int = 0
    resolved: int = 0
    resolved_first_contact: int = 0
    auto_resolved: int = 0
    self_served: int = 0  # resolved by the customer with a knowledge-base article (#13)
    sla_met: int = 0
    sla_decided: int = 0
    first_response: DurationStats = DurationStats()
    resolution: DurationStats = DurationStats()
    bot_first_response: DurationStats = DurationStats()


@dataclass(frozen=True, slots=True)
class CsatCounts:
    responses: int = 0
    score_sum: int = 0
    satisfied: int = 0  # scores 4 and 5

    def as_json(self) -> dict[str, Any]:
        return {
            "mean": self.score_sum / self.responses if self.responses else None,
            "satisfied_share": rate(self.satisfied, self.responses),
            "responses": self.responses,
        }


@dataclass(frozen=True, slots=True)
class TicketMetrics:
    """The eight numbers of a report, for the whole period or one breakdown group."""

    counts: TicketCounts
    csat: CsatCounts

    def as_json(self) -> dict[str, Any]:
        c = self.counts
        return {
            "first_response_time": c.first_response.as_json(),
            "bot_first_response_time": c.bot_first_response.as_json(),
            "resolution_time": c.resolution.as_json(),
            "first_contact_resolution_rate": rate(c.resolved_first_contact, c.resolved),
            "volume": c.volume,
            "escalation_rate": rate(c.escalated, c.volume),
            "csat": self.csat.as_json(),
            "automation_rate": rate(c.auto_resolved, c.volume),
            "self_service_rate": rate(c.self_served, c.volume),
            "sla_compliance": rate(c.sla_met, c.sla_decided),
        }


def flatten(metrics: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"csat": {"mean": 4}}`` -> ``{"csat.mean": 4}``: one CSV column per number."""
    out: dict[str, Any] = {}
    for key, value in metrics.items():
        if isinstance(value, dict):
            out.update(flatten(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out
