"""Who a ticket is assigned to, as agents change it: take it, give it to someone (managers
only), or unassign it. Routing's automatic assignment is ``handoff/routing.py``."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from models import (
    TRANSITIONS,
    Agent,
    AgentRole,
    NotFound,
    Ticket,
    TicketAction,
    TicketEvent,
    TicketStatus,
    ValidationError,
)
from models.inputs import parse_row_id

from .auth import actor_of, require_role
from .routing import assign

if TYPE_CHECKING:
    from service.desk import Desk
    from store.unit_of_work import UnitOfWork


async def reassign(
    uow: UnitOfWork, desk: Desk, agent: Agent, ticket: Ticket, value: Any, now: datetime
) -> None:
    actor = actor_of(agent)
    if value in (None, "", "none"):
        if ticket.assignee_id is None:
            return
        owner_or_manager(agent, ticket, "unassign")
        if (ticket.status, TicketAction.UNASSIGN) in TRANSITIONS:
            await desk.transition(uow, ticket, TicketAction.UNASSIGN, actor)
        await set_assignee(uow, ticket, None, actor, now)
        return
    if value == "me":
        target = agent
    elif isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
        target = await uow.agents.get(parse_row_id(value, '"assignee"'))
    elif isinstance(value, str):
        found = await uow.agents.by_email(value)
        if found is None:
            raise NotFound(f"no agent with email {value}")
        target = found
    else:
        raise ValidationError('"assignee" must be an agent id, an email, "me" or null')
    if target.id == ticket.assignee_id:
        return
    if target.id != agent.id:
        require_role(agent, AgentRole.MANAGER, "assign tickets to someone else")
    if not target.active:
        raise ValidationError(f"{target.email} is not an active agent")
    if ticket.status is TicketStatus.PENDING_APPROVAL:
        await set_assignee(uow, ticket, target, actor, now)
    else:
        await assign(uow, desk, ticket, target, actor, now)


async def set_assignee(
    uow: UnitOfWork, ticket: Ticket, agent: Agent | None, actor: str, now: datetime
) -> None:
    old = ticket.assignee_id
    ticket.assignee_id = agent.id if agent else None
    ticket.updated_at = now
    await uow.tickets.save(ticket)
    await uow.events.add(
        TicketEvent(
            ticket.id,
            actor,
            "assigned" if agent else "unassigned",
            str(old) if old is not None else None,
            str(agent.id) if agent else None,
            detail=agent.email if agent else None,
            created_at=now,
        )
    )


def owner_or_manager(agent: Agent, ticket: Ticket, what: str) -> None:
    if ticket.assignee_id not in (None, agent.id):
        require_role(agent, AgentRole.MANAGER, f"{what} a ticket assigned to someone else")


async def act_as_owner(
    uow: UnitOfWork, agent: Agent, ticket: Ticket, what: str, now: datetime
) -> None:
    """The same rule for speaking and resolving as for claim and release: only the owner (or
    anyone, while nobody owns it); a manager may step in, and the history says so."""
    owner_or_manager(agent, ticket, what)
    if ticket.assignee_id not in (None, agent.id):
        await uow.events.add(
            TicketEvent(
                ticket.id,
                actor_of(agent),
                "override",
                str(ticket.assignee_id),
                str(agent.id),
                detail=f"{what} a ticket assigned to someone else",
                created_at=now,
            )
        )
