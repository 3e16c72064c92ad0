"""Ticket IDs, priorities, SLA wording and CSAT validation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models import CsatResponse, InvalidTicketId, Priority, format_ticket_id, parse_ticket_id
from models.sla import SlaPolicy
from models.texts import humanize


@given(st.integers(min_value=1, max_value=10**9))
def test_ticket_ids_round_trip(ticket_id: int) -> None:
    public = format_ticket_id(ticket_id)
    assert public.startswith("FD-")
    assert parse_ticket_id(public) == ticket_id
    assert parse_ticket_id(public.lower().replace("-", "")) == ticket_id


@pytest.mark.parametrize("bad", ["", "FD-", "FD-abc", "XX-1001", "FD-1000", "FD--5", "1001 OR 1=1"])
def test_malformed_ticket_ids_are_refused(bad: str) -> None:
    with pytest.raises(InvalidTicketId):
        parse_ticket_id(bad)


def test_priority_raises_one_step_and_urgent_stays_urgent() -> None:
    assert Priority.LOW.raised() is Priority.MEDIUM
    assert Priority.HIGH.raised() is Priority.URGENT
    assert Priority.URGENT.raised() is Priority.URGENT


def test_default_sla_targets_and_how_the_bot_words_them() -> None:
    policy = SlaPolicy()
    t0 = datetime(2026, 1, 5, 9, tzinfo=UTC)
    assert policy.first_response_due(Priority.URGENT, t0) == t0 + timedelta(minutes=15)
    assert policy.resolution_due(Priority.LOW, t0) == t0 + timedelta(hours=72)
    assert humanize(timedelta(minutes=15)) == "15 minutes"
    assert humanize(timedelta(hours=1)) == "1 hour"
    assert humanize(timedelta(hours=72)) == "3 days"


@pytest.mark.parametrize("score", [0, 6, -1])
def test_csat_scores_outside_one_to_five_are_refused(score: int) -> None:
    with pytest.raises(ValueError):
        CsatResponse(ticket_id=1, score=score)


def test_with_business_hours_the_promise_names_the_due_time_and_when_the_team_is_back() -> None:
    """Before: "a first reply within 4 hours" on a Friday evening, while the due time was the
    next business day; and no word that the team was away."""
    from models.sla import BusinessHours, first_reply_promise

    hours = BusinessHours.parse("mon-fri 09:00-17:00 +01:00")
    policy = SlaPolicy(business_hours=hours)
    friday_evening = datetime(2026, 11, 27, 19, 30, tzinfo=UTC)  # 20:30 local
    due = policy.first_response_due(Priority.MEDIUM, friday_evening)
    promise = str(first_reply_promise(policy, Priority.MEDIUM, due, friday_evening))
    assert promise.startswith("by Monday at 13:00 (UTC+01:00)")
    assert "closed right now and back Monday at 09:00" in promise
    tuesday_morning = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)  # 09:00 local, open
    due = policy.first_response_due(Priority.HIGH, tuesday_morning)
    assert str(first_reply_promise(policy, Priority.HIGH, due, tuesday_morning)) == (
        "by today at 10:00 (UTC+01:00)"
    )
    around_the_clock = SlaPolicy()
    assert str(first_reply_promise(around_the_clock, Priority.HIGH, due, tuesday_morning)) == (
        "within 1 hour"
    )
