"""Business hours at their edges (``models/sla.py``): the minute of opening and of closing, a
whole week of business time, minutes and offsets in a spec, what a refused spec is told, the
default targets and the customer's "tomorrow at ...". Written for what mutation testing found
unpinned by ``test_sla_business_hours.py``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from models import Priority
from models.sla import BusinessHours, SlaPolicy, SlaTarget, when_text, zone_name

MON = datetime(2026, 3, 2, tzinfo=UTC)  # a Monday
HOURS = BusinessHours.parse("mon-fri 09:00-17:00")


def at(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return MON + timedelta(days=day, hours=hour, minutes=minute, seconds=second)


def refused(spec: str) -> str:
    with pytest.raises(ValueError) as refusal:
        BusinessHours.parse(spec)
    return str(refusal.value)


def test_a_spec_reads_minutes_offsets_day_lists_and_single_days() -> None:
    hours = BusinessHours.parse("mon,wed,sun 08:30-12:45 +02:30")
    assert hours.days == frozenset({0, 2, 6})
    assert (hours.open_s, hours.close_s, hours.utc_offset_s) == (30600, 45900, 9000)
    assert BusinessHours.parse("tue-thu 09:00-17:00 utc-11:15").utc_offset_s == -40500
    assert BusinessHours.parse("sat 10:00-11:00").days == frozenset({5})
    assert BusinessHours.parse("sun-sun 10:00-11:00").days == frozenset({6})
    assert BusinessHours.parse("mon-sun 00:00-24:00").weekly_s == 7 * 86_400
    assert BusinessHours.parse("mon 09:00-17:00").utc_offset_s == 0


def test_a_refused_spec_or_value_says_why() -> None:
    assert refused("weekdays 9-5") == (
        "not business hours: 'weekdays 9-5' (e.g. 'mon-fri 09:00-17:00 +01:00')"
    )
    assert refused("mon-tue-wed 09:00-17:00") == (
        "unknown weekday in 'mon-tue-wed 09:00-17:00': use mon..sun"
    )
    assert refused("mon-fri 17:00-09:00") == (
        "business hours must open before they close, within one day"
    )
    assert refused("mon-fri 09:00-09:00") == (
        "business hours must open before they close, within one day"
    )
    with pytest.raises(ValueError) as no_days:
        BusinessHours(frozenset(), 0, 3600)
    assert str(no_days.value) == "business hours need at least one weekday (0 = Monday .. 6)"
    for days in (frozenset({7}), frozenset({0, 7})):
        with pytest.raises(ValueError, match="at least one weekday"):
            BusinessHours(days, 0, 3600)
    assert BusinessHours(frozenset(range(7)), 0, 86_400).weekly_s == 7 * 86_400
    with pytest.raises(ValueError, match="open before they close"):
        BusinessHours(frozenset({0}), 0, 86_401)
    with pytest.raises(ValueError, match="open before they close"):
        BusinessHours(frozenset({0}), -1, 3600)


def test_open_from_the_opening_second_until_before_the_closing_one() -> None:
    assert not HOURS.is_open(at(0, 8, 59, 59))
    assert HOURS.is_open(at(0, 9))
    assert HOURS.is_open(at(0, 16, 59, 59))
    assert not HOURS.is_open(at(0, 17))
    assert HOURS.is_open(at(0, 9, 30, 1)) and HOURS.is_open(at(0, 10, 1))
    assert HOURS.is_open(at(0, 9, 0, 30))
    late = BusinessHours.parse("mon-fri 09:00-09:30")
    assert late.is_open(at(0, 9, 29, 59)) and not late.is_open(at(0, 9, 30))


def test_the_next_opening_is_in_utc_and_never_the_moment_of_closing() -> None:
    assert HOURS.next_open(at(0, 17)) == at(1, 9)
    assert HOURS.next_open(at(0, 8, 59, 59)) == at(0, 9)
    assert HOURS.next_open(at(0, 3, 10, 59) + timedelta(microseconds=7)) == at(0, 9)
    assert HOURS.next_open(at(4, 17)) == at(7, 9)  # Friday evening: Monday
    opening = BusinessHours.parse("mon-fri 09:00-17:00 +01:00").next_open(at(0, 20))
    assert opening == at(1, 8) and opening.utcoffset() == timedelta(0)
    assert opening.tzinfo is UTC


def test_a_duration_of_whole_weeks_ends_at_the_last_close() -> None:
    """Weeks are counted from the epoch's weekday: a due time that falls exactly on a week's
    boundary (Thursday 00:00 here) is the last close before it, not the next opening."""
    thursday = at(3, 9)
    assert HOURS.add(thursday, timedelta(hours=40)) == at(9, 17)  # Wednesday 17:00
    assert HOURS.add(thursday, timedelta(hours=80)) == at(16, 17)
    assert HOURS.add(thursday, timedelta(hours=39)) == at(9, 16)
    assert HOURS.add(at(0, 9), timedelta(hours=8)) == at(0, 17)
    # the business seconds before each day of an epoch-aligned week (Thursday first), which
    # store/sql_dialect.py reads by index in SQL
    h8 = 8 * 3600
    assert HOURS.week_prefix_s() == (0, h8, 2 * h8, 2 * h8, 2 * h8, 3 * h8, 4 * h8)
    assert HOURS.add(at(5, 10), timedelta(hours=1)) == at(7, 10)  # Saturday: from Monday


def test_the_default_targets_and_the_clock_around_the_clock() -> None:
    h = timedelta(hours=1)
    assert SlaPolicy().targets == {
        Priority.URGENT: SlaTarget(timedelta(minutes=15), 4 * h),
        Priority.HIGH: SlaTarget(h, 8 * h),
        Priority.MEDIUM: SlaTarget(4 * h, 24 * h),
        Priority.LOW: SlaTarget(8 * h, 72 * h),
    }
    assert SlaPolicy().elapsed_seconds(at(0, 9), at(0, 10, 30)) == 5400
    assert SlaPolicy().elapsed_seconds(at(0, 10, 30), at(0, 9)) == -5400


def test_the_zone_and_the_day_a_customer_reads() -> None:
    assert zone_name(at(0, 9)) == "UTC"
    assert zone_name(at(0, 9).replace(tzinfo=None)) == "UTC"  # no zone: read as UTC
    plus_one = timezone(timedelta(hours=1))
    assert zone_name(at(0, 9).astimezone(plus_one)) == "UTC+01:00"
    assert zone_name(at(0, 9).astimezone(timezone(timedelta(hours=-5, minutes=-30)))) == (
        "UTC-05:30"
    )
    hours = BusinessHours.parse("mon-fri 09:00-17:00 +01:00")
    now = at(0, 20)  # Monday 21:00 local
    assert str(when_text(hours, at(0, 21), now)) == "today at 22:00 (UTC+01:00)"
    assert str(when_text(hours, at(1, 8), now)) == "tomorrow at 09:00 (UTC+01:00)"
    assert str(when_text(hours, at(2, 8), now)) == "Wednesday at 09:00 (UTC+01:00)"
    assert str(when_text(hours, at(-1, 8), now)) == "Sunday at 09:00 (UTC+01:00)"
