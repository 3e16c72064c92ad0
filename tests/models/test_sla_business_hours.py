"""Business hours in the SLA policy, and report periods: pure code."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models import Priority
from models.metrics import ReportPeriod, parse_period, rate
from models.sla import BusinessHours, SlaPolicy

HOURS = BusinessHours.parse("mon-fri 09:00-17:00")
MON = datetime(2026, 3, 2, tzinfo=UTC)  # a Monday


def at(day: int, hour: float) -> datetime:
    return MON + timedelta(days=day, hours=hour)


def test_parse() -> None:
    assert HOURS.days == frozenset(range(5)) and (HOURS.open_s, HOURS.close_s) == (32400, 61200)
    wrap = BusinessHours.parse("fri-mon 08:30-12:00 -02:30")
    assert wrap.days == frozenset({4, 5, 6, 0}) and wrap.utc_offset_s == -9000
    for bad in ("weekdays 9-5", "mon-fri 17:00-09:00", "mon-xyz 09:00-10:00"):
        with pytest.raises(ValueError):
            BusinessHours.parse(bad)


def test_business_seconds() -> None:
    assert HOURS.seconds_between(at(0, 10), at(0, 12)) == 2 * 3600
    assert HOURS.seconds_between(at(0, 16), at(1, 10)) == 2 * 3600  # overnight stops
    assert HOURS.seconds_between(at(4, 16), at(7, 10)) == 2 * 3600  # the weekend stops
    assert HOURS.seconds_between(at(5, 10), at(6, 23)) == 0  # Saturday, Sunday
    assert HOURS.seconds_between(at(0, 0), at(7, 0)) == 5 * 8 * 3600


def test_due_times_skip_closed_hours() -> None:
    policy = SlaPolicy(business_hours=HOURS)
    assert policy.first_response_due(Priority.HIGH, at(4, 16.5)) == at(7, 9.5)  # Fri -> Mon
    assert policy.first_response_due(Priority.HIGH, at(5, 12)) == at(7, 10)  # from Saturday
    assert policy.first_response_due(Priority.HIGH, at(0, 16)) == at(0, 17)  # at closing time
    assert SlaPolicy().first_response_due(Priority.HIGH, at(5, 12)) == at(5, 13)  # 24/7 default
    assert policy.elapsed_seconds(at(4, 16.5), at(7, 9.5)) == 3600


@given(
    st.integers(0, 60 * 24 * 60),
    st.integers(1, 60 * 24 * 30),
    st.sampled_from(["+01:00", "-05:30"]),
)
def test_adding_then_measuring_gives_the_duration_back(
    start_min: int, minutes: int, off: str
) -> None:
    hours = BusinessHours.parse(f"mon-fri 09:00-17:00 {off}")
    start = MON + timedelta(minutes=start_min)
    due = hours.add(start, timedelta(minutes=minutes))
    assert hours.seconds_between(start, due) == pytest.approx(minutes * 60)
    assert hours.add(start, timedelta(minutes=minutes) - timedelta(seconds=1)) < due


def test_periods() -> None:
    now = datetime(2026, 3, 10, 12, tzinfo=UTC)
    assert parse_period(None, None, now) == ReportPeriod(now - timedelta(days=30), now)
    period = parse_period("2026-03-01", "2026-03-07", now)
    assert period == ReportPeriod(
        datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 3, 8, tzinfo=UTC)
    )
    assert period.previous() == ReportPeriod(datetime(2026, 2, 22, tzinfo=UTC), period.since)
    assert parse_period("2026-03-01T10:00:00+02:00", None, now).since == datetime(
        2026, 3, 1, 8, tzinfo=UTC
    )
    for since, until in (("03/01/2026", None), ("2026-03-09", "2026-03-01")):
        with pytest.raises(ValueError):
            parse_period(since, until, now)
    assert rate(1, 0) is None and rate(1, 4) == 0.25
