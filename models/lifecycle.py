"""The ticket lifecycle as an explicit state machine.

Moves are named actions rather than bare target statuses, so the audit trail says *why* a
ticket moved ("escalated", "approved") and an illegal request can be refused with the action
and the current status in the message.
"""

from __future__ import annotations

from enum import StrEnum

from .enums import TicketStatus as S
from .errors import InvalidTransition


class TicketAction(StrEnum):
    ASSIGN = "assign"  # an agent (or routing) takes ownership
    UNASSIGN = "unassign"  # back to the queue
    START = "start"  # the owner starts working
    WAIT_ON_CUSTOMER = "wait_on_customer"
    CUSTOMER_REPLIED = "customer_replied"
    REQUEST_APPROVAL = "request_approval"  # change requests wait for a manager
    APPROVE = "approve"
    REJECT = "reject"
    RESOLVE = "resolve"
    CLOSE = "close"
    REOPEN = "reopen"
    MERGE = "merge"  # a duplicate closes, linked to the ticket it was merged into


_WORKING = (S.NEW, S.ASSIGNED, S.IN_PROGRESS, S.WAITING_ON_CUSTOMER)

TRANSITIONS: dict[tuple[S, TicketAction], S] = {
    (S.NEW, TicketAction.ASSIGN): S.ASSIGNED,
    (S.ASSIGNED, TicketAction.ASSIGN): S.ASSIGNED,  # reassignment
    (S.IN_PROGRESS, TicketAction.ASSIGN): S.ASSIGNED,
    (S.WAITING_ON_CUSTOMER, TicketAction.ASSIGN): S.ASSIGNED,
    (S.ASSIGNED, TicketAction.UNASSIGN): S.NEW,
    (S.IN_PROGRESS, TicketAction.UNASSIGN): S.NEW,
    (S.WAITING_ON_CUSTOMER, TicketAction.UNASSIGN): S.NEW,
    (S.ASSIGNED, TicketAction.START): S.IN_PROGRESS,
    (S.ASSIGNED, TicketAction.WAIT_ON_CUSTOMER): S.WAITING_ON_CUSTOMER,
    (S.IN_PROGRESS, TicketAction.WAIT_ON_CUSTOMER): S.WAITING_ON_CUSTOMER,
    (S.WAITING_ON_CUSTOMER, TicketAction.CUSTOMER_REPLIED): S.IN_PROGRESS,
    (S.NEW, TicketAction.REQUEST_APPROVAL): S.PENDING_APPROVAL,
    (S.ASSIGNED, TicketAction.REQUEST_APPROVAL): S.PENDING_APPROVAL,
    (S.IN_PROGRESS, TicketAction.REQUEST_APPROVAL): S.PENDING_APPROVAL,
    (S.PENDING_APPROVAL, TicketAction.APPROVE): S.IN_PROGRESS,
    (S.PENDING_APPROVAL, TicketAction.REJECT): S.RESOLVED,
    **{(s, TicketAction.RESOLVE): S.RESOLVED for s in _WORKING},
    (S.RESOLVED, TicketAction.CLOSE): S.CLOSED,
    (S.RESOLVED, TicketAction.REOPEN): S.IN_PROGRESS,
    **{(s, TicketAction.MERGE): S.CLOSED for s in (*_WORKING, S.PENDING_APPROVAL, S.RESOLVED)},
}
"""Every legal move: (current status, action) -> next status. Anything else is illegal."""


def next_status(current: S, action: TicketAction) -> S:
    """The status after ``action``; raises :class:`InvalidTransition` if it is not allowed."""
    try:
        return TRANSITIONS[(current, action)]
    except KeyError:
        raise InvalidTransition(current.value, action.value) from None


def allowed_actions(current: S) -> list[TicketAction]:
    """Actions a ticket in ``current`` accepts, in declaration order (for the console's buttons)."""
    return [action for (status, action) in TRANSITIONS if status is current]


def action_for_target(current: S, target: S) -> TicketAction:
    """The action that moves ``current`` to ``target``, for callers that name a status.

    Raises :class:`InvalidTransition` when no single action does it.
    """
    for (status, action), to in TRANSITIONS.items():
        if status is current and to is target:
            return action
    raise InvalidTransition(current.value, f"move to {target.value}")
