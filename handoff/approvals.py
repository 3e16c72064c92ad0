"""Change requests wait for a manager's approval: asking for it (managers are notified, the
customer is told), and whether a ticket has been approved."""

from __future__ import annotations

from typing import TYPE_CHECKING

from models import Agent, Ticket, TicketAction, TicketEvent, format_ticket_id

from .auth import actor_of
from .customer_texts import needs_approval
from .notices import notify_managers

if TYPE_CHECKING:
    from service.desk import Desk
    from store.unit_of_work import UnitOfWork


async def request_approval(
    uow: UnitOfWork, desk: Desk, agent: Agent, ticket: Ticket, why: str
) -> None:
    actor, now = actor_of(agent), desk.clock()
    await desk.transition(uow, ticket, TicketAction.REQUEST_APPROVAL, actor, detail=why)
    await uow.events.add(
        TicketEvent(ticket.id, actor, "approval_requested", detail=why, created_at=now)
    )
    await notify_managers(
        uow,
        ticket,
        "approval_requested",
        f"{agent.name} asks for approval of {format_ticket_id(ticket.id)}: "
        f"{ticket.description[:120]}",
        now,
    )
    conversation = await uow.conversations.get(ticket.conversation_id)
    await desk.say(
        uow,
        conversation,
        needs_approval(ticket.id),
        ticket_id=ticket.id,
    )


async def approved(uow: UnitOfWork, ticket_id: int) -> bool:
    return any(e.kind == "approved" for e in await uow.events.for_ticket(ticket_id))
