"""The ticket lifecycle: every (status, action) pair is either a documented move or refused."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models import (
    TRANSITIONS,
    InvalidTransition,
    TicketAction,
    TicketStatus,
    action_for_target,
    allowed_actions,
    next_status,
)

S, A = TicketStatus, TicketAction


def test_the_happy_path_of_an_agent_handled_ticket() -> None:
    status = S.NEW
    for action, expected in [
        (A.ASSIGN, S.ASSIGNED),
        (A.START, S.IN_PROGRESS),
        (A.WAIT_ON_CUSTOMER, S.WAITING_ON_CUSTOMER),
        (A.CUSTOMER_REPLIED, S.IN_PROGRESS),
        (A.RESOLVE, S.RESOLVED),
        (A.CLOSE, S.CLOSED),
    ]:
        status = next_status(status, action)
        assert status is expected


def test_a_change_request_waits_for_approval_before_work_starts() -> None:
    assert next_status(S.NEW, A.REQUEST_APPROVAL) is S.PENDING_APPROVAL
    assert next_status(S.PENDING_APPROVAL, A.APPROVE) is S.IN_PROGRESS
    assert next_status(S.PENDING_APPROVAL, A.REJECT) is S.RESOLVED
    with pytest.raises(InvalidTransition):
        next_status(S.PENDING_APPROVAL, A.START)


def test_a_resolved_ticket_can_be_reopened_but_a_closed_one_cannot() -> None:
    assert next_status(S.RESOLVED, A.REOPEN) is S.IN_PROGRESS
    with pytest.raises(InvalidTransition) as refused:
        next_status(S.CLOSED, A.REOPEN)
    assert refused.value.current == "closed"
    assert "closed" in str(refused.value)


@pytest.mark.parametrize("status", list(S))
@pytest.mark.parametrize("action", list(A))
def test_every_pair_is_either_a_listed_move_or_refused(status: S, action: A) -> None:
    if (status, action) in TRANSITIONS:
        assert next_status(status, action) is TRANSITIONS[(status, action)]
        assert action in allowed_actions(status)
    else:
        with pytest.raises(InvalidTransition) as refused:
            next_status(status, action)
        assert refused.value.current == status.value
        assert refused.value.action == action.value
        assert action not in allowed_actions(status)


def test_every_status_is_reachable_from_new_and_only_closed_is_final() -> None:
    reachable, frontier = {S.NEW}, [S.NEW]
    while frontier:
        status = frontier.pop()
        for action in allowed_actions(status):
            target = next_status(status, action)
            if target not in reachable:
                reachable.add(target)
                frontier.append(target)
    assert reachable == set(S)
    assert [s for s in S if not allowed_actions(s)] == [S.CLOSED]


@given(st.lists(st.sampled_from(list(A)), max_size=40))
def test_any_sequence_of_actions_keeps_the_ticket_in_a_known_status(actions: list[A]) -> None:
    status = S.NEW
    for action in actions:
        try:
            new = next_status(status, action)
        except InvalidTransition:
            continue
        assert (status, action) in TRANSITIONS
        if new is S.RESOLVED:
            assert action in (A.RESOLVE, A.REJECT)
        status = new
    assert status in set(S)


def test_action_for_target_finds_the_move_or_refuses() -> None:
    assert action_for_target(S.IN_PROGRESS, S.WAITING_ON_CUSTOMER) is A.WAIT_ON_CUSTOMER
    with pytest.raises(InvalidTransition):
        action_for_target(S.CLOSED, S.NEW)
