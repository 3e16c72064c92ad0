"""A new ticket on a conversation whose last ticket is closed is linked as its follow-up."""

from __future__ import annotations

from typing import TYPE_CHECKING

from models import Ticket, TicketEvent, TicketStatus

if TYPE_CHECKING:
    from .unit_of_work import UnitOfWork

FOLLOW_UP_OF = "follow_up_of"


async def link_follow_up(uow: UnitOfWork, ticket: Ticket, previous_id: int | None) -> None:
    """A new ticket on a conversation whose last ticket is closed follows up on that one."""
    if previous_id is None or previous_id == ticket.id:
        return
    previous = await uow.tickets.get(previous_id)
    if previous.status is not TicketStatus.CLOSED or (await uow.links.of(previous.id)).get(
        "merged_into"
    ):
        return
    now = ticket.created_at or previous.updated_at
    assert now is not None
    await uow.links.add(ticket.id, FOLLOW_UP_OF, previous.id, now)
    await uow.events.add(
        TicketEvent(ticket.id, "bot", "follow_up", new=previous.public_id, created_at=now)
    )
    await uow.events.add(
        TicketEvent(previous.id, "bot", "follow_up", new=ticket.public_id, created_at=now)
    )
