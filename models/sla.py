"""Service-level targets per priority, and due times derived from them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone

from .enums import Priority
from .texts import Duration, Moment, Text, _

DAY_S = 86_400
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_WEEKDAY = 3  # 1970-01-01 was a Thursday (Monday = 0)
_DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_SPEC = re.compile(
    r"^\s*(?P<days>[a-z,\-]+)\s+(?P<open>\d{1,2}):(?P<om>\d{2})\s*-\s*(?P<close>\d{1,2}):(?P<cm>\d{2})"
    r"(?:\s+(?:utc)?(?P<off>[+-]\d{1,2}:\d{2}))?\s*$",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class BusinessHours:
    """The same opening hours on a set of weekdays, at a fixed offset from UTC.

    SLA clocks and the report's durations only run inside these hours. The offset is fixed (no
    daylight-saving changes) so that the same arithmetic can run inside SQL: see
    :meth:`cumulative_seconds`, which ``store/sql_dialect.py`` mirrors expression for expression.
    """

    days: frozenset[int]  # 0 = Monday ... 6 = Sunday
    open_s: int  # seconds after local midnight
    close_s: int
    utc_offset_s: int = 0

    def __post_init__(self) -> None:
        if not self.days or not self.days <= set(range(7)):
            raise ValueError("business hours need at least one weekday (0 = Monday .. 6)")
        if not 0 <= self.open_s < self.close_s <= DAY_S:
            raise ValueError("business hours must open before they close, within one day")

    @classmethod
    def parse(cls, spec: str) -> BusinessHours:
        """``"mon-fri 09:00-17:00"``, ``"mon,wed,fri 08:30-12:00 +02:00"`` (offset from UTC)."""
        m = _SPEC.match(spec)
        if m is None:
            raise ValueError(f"not business hours: {spec!r} (e.g. 'mon-fri 09:00-17:00 +01:00')")
        days: set[int] = set()
        for part in m["days"].lower().split(","):
            ends = part.split("-")
            if len(ends) > 2 or any(e not in _DAY_NAMES for e in ends):
                raise ValueError(f"unknown weekday in {spec!r}: use mon..sun")
            first, last = _DAY_NAMES.index(ends[0]), _DAY_NAMES.index(ends[-1])
            days.update(
                range(first, last + 1) if first <= last else [*range(first, 7), *range(last + 1)]
            )
        offset = 0
        if m["off"]:
            sign = -1 if m["off"].startswith("-") else 1
            hh, mm = m["off"][1:].split(":")
            offset = sign * (int(hh) * 3600 + int(mm) * 60)
        return cls(
            frozenset(days),
            int(m["open"]) * 3600 + int(m["om"]) * 60,
            int(m["close"]) * 3600 + int(m["cm"]) * 60,
            offset,
        )

    @property
    def daily_s(self) -> int:
        return self.close_s - self.open_s

    @property
    def weekly_s(self) -> int:
        return self.daily_s * len(self.days)

    def is_workday(self, day_index: int) -> bool:
        """Whether the ``day_index``-th day after 1970-01-01 (local) is a working day."""
        return (day_index + _EPOCH_WEEKDAY) % 7 in self.days

    def week_prefix_s(self) -> tuple[int, ...]:
        """Business seconds in the first r days (r = 0..6) of an epoch-aligned week."""
        out, total = [], 0
        for r in range(7):
            out.append(total)
            total += self.daily_s if self.is_workday(r) else 0
        return tuple(out)

    def cumulative_seconds(self, moment: datetime) -> float:
        """Business seconds from local 1970-01-01 00:00 to ``moment``: differences of this are
        business durations. Weeks are counted from the epoch's weekday (Thursday)."""
        local = (moment - _EPOCH).total_seconds() + self.utc_offset_s
        day = int(local // DAY_S)
        second = local - day * DAY_S
        weeks, rest = divmod(day, 7)
        within = min(max(second, self.open_s), self.close_s) - self.open_s
        today = within if self.is_workday(rest) else 0
        return weeks * self.weekly_s + self.week_prefix_s()[rest] + today

    def seconds_between(self, start: datetime, end: datetime) -> float:
        """Business seconds from ``start`` to ``end`` (negative if ``end`` is earlier)."""
        return self.cumulative_seconds(end) - self.cumulative_seconds(start)

    def local(self, moment: datetime) -> datetime:
        """``moment`` on the business's own clock (its fixed UTC offset)."""
        return moment.astimezone(timezone(timedelta(seconds=self.utc_offset_s)))

    def is_open(self, moment: datetime) -> bool:
        here = self.local(moment)
        second = here.hour * 3600 + here.minute * 60 + here.second
        return here.weekday() in self.days and self.open_s <= second < self.close_s

    def next_open(self, moment: datetime) -> datetime:
        """When the team is next at work: ``moment`` itself during business hours."""
        if self.is_open(moment):
            return moment
        here = self.local(moment)
        midnight = here.replace(hour=0, minute=0, second=0, microsecond=0)
        for days in range(8):
            opening = midnight + timedelta(days=days, seconds=self.open_s)
            if opening.weekday() in self.days and opening > here:
                return opening.astimezone(UTC)
        raise AssertionError("unreachable: business hours have at least one weekday")

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The earliest moment ``duration`` of business time after ``start``."""
        target = self.cumulative_seconds(start) + duration.total_seconds()
        weeks, rest = divmod(target, self.weekly_s)
        if rest == 0 and weeks > 0:  # exactly at a week boundary: the last close before it
            weeks, rest = weeks - 1, self.weekly_s
        day = int(weeks) * 7
        for r in range(7):
            if self.is_workday(r):
                if rest <= self.daily_s:
                    local = (day + r) * DAY_S + self.open_s + rest
                    return _EPOCH + timedelta(seconds=local - self.utc_offset_s)
                rest -= self.daily_s
        raise AssertionError("unreachable: a week holds weekly_s business seconds")


@dataclass(frozen=True, slots=True)
class SlaTarget:
    first_response: timedelta
    resolution: timedelta


def _default_targets() -> dict[Priority, SlaTarget]:
    h = timedelta(hours=1)
    return {
        Priority.URGENT: SlaTarget(timedelta(minutes=15), 4 * h),
        Priority.HIGH: SlaTarget(1 * h, 8 * h),
        Priority.MEDIUM: SlaTarget(4 * h, 24 * h),
        Priority.LOW: SlaTarget(8 * h, 72 * h),
    }


@dataclass(frozen=True, slots=True)
class SlaPolicy:
    """Targets per priority; the defaults are common help-desk practice.

    With ``business_hours`` the targets are business time (the clock stops outside them) and so
    are the durations in reports; without (the default) the clock runs 24/7.
    """

    targets: dict[Priority, SlaTarget] = field(default_factory=_default_targets)
    business_hours: BusinessHours | None = None

    def first_response_due(self, priority: Priority, created_at: datetime) -> datetime:
        return self._after(created_at, self.targets[priority].first_response)

    def resolution_due(self, priority: Priority, created_at: datetime) -> datetime:
        return self._after(created_at, self.targets[priority].resolution)

    def elapsed_seconds(self, start: datetime, end: datetime) -> float:
        """How much SLA clock ran from ``start`` to ``end``."""
        if self.business_hours is None:
            return (end - start).total_seconds()
        return self.business_hours.seconds_between(start, end)

    def _after(self, start: datetime, target: timedelta) -> datetime:
        if self.business_hours is None:
            return start + target
        return self.business_hours.add(start, target)


def first_reply_promise(
    policy: SlaPolicy, priority: Priority, due: datetime, now: datetime
) -> Text:
    """What the bot promises a customer handed to the agents, computed from the ticket's due
    time: "within 4 hours" around the clock; with business hours "by Tuesday at 13:00
    (UTC+01:00)", and outside them also when the team is back (in the customer's language
    once said: see models/texts)."""
    hours = policy.business_hours
    if hours is None:
        return _("within {duration}", duration=Duration(policy.targets[priority].first_response))
    when = when_text(hours, due, now)
    if hours.is_open(now):
        return _("by {when}", when=when)
    back = when_text(hours, hours.next_open(now), now)
    return _("by {when}; we're closed right now and back {back}", when=when, back=back)


def zone_name(moment: datetime) -> str:
    """``UTC``, ``UTC+01:00``: the zone of an aware ``moment``, as customers read it."""
    offset = moment.strftime("%z")
    return f"UTC{offset[:3]}:{offset[3:]}" if offset not in ("+0000", "") else "UTC"


def when_text(hours: BusinessHours, moment: datetime, now: datetime) -> Text:
    """ "today at 13:00 (UTC+01:00)", "tomorrow at ...", "Monday at ...", in business-hours time."""
    here, today = hours.local(moment), hours.local(now).date()
    zone = zone_name(here)
    time = Moment(here, "time")
    if here.date() == today:
        return _("today at {time} ({zone})", time=time, zone=zone)
    if here.date() == today + timedelta(days=1):
        return _("tomorrow at {time} ({zone})", time=time, zone=zone)
    return _("{day} at {time} ({zone})", day=Moment(here, "weekday"), time=time, zone=zone)
