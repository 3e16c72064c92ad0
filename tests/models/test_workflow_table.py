"""The ticket workflow written out by hand, independent of ``models.TRANSITIONS``: every
(status, action) pair is either the move the table names or refused. Adding a move to the code
(new → closed, pending_approval → resolved...) or dropping one fails here, naming the cell."""

from __future__ import annotations

import pytest

from models import InvalidTransition, TicketAction, TicketStatus, next_status

# columns: the actions; rows: the current status; a cell: the next status, or "-" = refused.
# Short names keep the table readable: see ACTIONS and STATUSES below.
WORKFLOW = """
status    assign   unassign start   wait     replied  approval approve  reject   resolve  close   reopen  merge
new       assigned -        -       -        -        pending  -        -        resolved -       -       closed
assigned  assigned new      working waiting  -        pending  -        -        resolved -       -       closed
working   assigned new      -       waiting  -        pending  -        -        resolved -       -       closed
waiting   assigned new      -       -        working  -        -        -        resolved -       -       closed
pending   -        -        -       -        -        -        working  resolved -        -       -       closed
resolved  -        -        -       -        -        -        -        -        -        closed  working closed
closed    -        -        -       -        -        -        -        -        -        -       -       -
"""  # noqa: E501
ACTIONS = {
    "wait": "wait_on_customer",
    "replied": "customer_replied",
    "approval": "request_approval",
}
STATUSES = {
    "working": "in_progress",
    "waiting": "waiting_on_customer",
    "pending": "pending_approval",
}


def _cells() -> list[tuple[str, str, str]]:
    header, *rows = [line.split() for line in WORKFLOW.strip().splitlines()]
    actions = [ACTIONS.get(a, a) for a in header[1:]]
    return [
        (STATUSES.get(row[0], row[0]), action, STATUSES.get(cell, cell))
        for row in rows
        for action, cell in zip(actions, row[1:], strict=True)
    ]


def test_the_table_names_every_status_and_action_once() -> None:
    cells = _cells()
    assert {s for s, _, _ in cells} == {s.value for s in TicketStatus}
    assert {a for _, a, _ in cells} == {a.value for a in TicketAction}
    assert len(cells) == len(TicketStatus) * len(TicketAction)


@pytest.mark.parametrize(("status", "action", "expected"), _cells())
def test_each_move_is_allowed_or_refused_as_the_table_says(
    status: str, action: str, expected: str
) -> None:
    current, move = TicketStatus(status), TicketAction(action)
    if expected == "-":
        with pytest.raises(InvalidTransition):
            next_status(current, move)
    else:
        assert next_status(current, move) is TicketStatus(expected)


def test_no_shortcut_skips_a_managers_approval_or_reopens_a_closed_ticket() -> None:
    for shortcut in (TicketAction.RESOLVE, TicketAction.START, TicketAction.ASSIGN):
        with pytest.raises(InvalidTransition):
            next_status(TicketStatus.PENDING_APPROVAL, shortcut)
    for action in TicketAction:
        with pytest.raises(InvalidTransition):
            next_status(TicketStatus.CLOSED, action)
