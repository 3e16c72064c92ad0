"""SLA due times after an escalation: the new priority's targets, counted from the escalation.

A ticket escalated from medium to high must be answered within high's first-response target
from now, not keep medium's 4 hours from creation; and an escalation never relaxes a deadline
(the earlier of the old due time and the new one wins). Audited as ``sla_due``.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from models import Ticket, TicketEvent

if TYPE_CHECKING:
    from store.unit_of_work import UnitOfWork

    from .desk import Desk


def _earlier(old: datetime | None, new: datetime) -> datetime:
    return new if old is None or new < old else old


async def tighten_due_times(uow: UnitOfWork, desk: Desk, ticket: Ticket, actor: str) -> bool:
    """Recompute the due times from ``ticket.priority`` (already raised); True if one moved."""
    now = desk.clock()
    first = ticket.first_response_due
    resolution = ticket.resolution_due
    if ticket.first_response_at is None:
        first = _earlier(first, desk.sla.first_response_due(ticket.priority, now))
    resolution = _earlier(resolution, desk.sla.resolution_due(ticket.priority, now))
    if (first, resolution) == (ticket.first_response_due, ticket.resolution_due):
        return False
    old = _describe(ticket.first_response_due, ticket.resolution_due)
    ticket.first_response_due, ticket.resolution_due = first, resolution
    await uow.tickets.save(ticket)
    await uow.events.add(
        TicketEvent(
            ticket.id,
            actor,
            "sla_due",
            old,
            _describe(first, resolution),
            detail=f"due times follow the new priority ({ticket.priority.value})",
            created_at=now,
        )
    )
    return True


def _describe(first: datetime | None, resolution: datetime | None) -> str:
    def at(value: datetime | None) -> str:
        return value.strftime("%Y-%m-%d %H:%M UTC") if value else "-"

    return f"first response by {at(first)}, resolution by {at(resolution)}"
