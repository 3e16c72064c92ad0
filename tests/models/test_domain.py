"""Ticket IDs, priorities, SLA wording and CSAT validation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models import CsatResponse, InvalidTicketId, Priority, format_ticket_id, parse_ticket_id
from models.sla import SlaPolicy, humanize


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
