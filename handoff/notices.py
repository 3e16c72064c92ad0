"""Telling managers: notifications of approvals and escalations, and the escalation record."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from models import AgentRole, Priority, Ticket, TicketEvent, format_ticket_id

from .due_times import tighten_due_times

if TYPE_CHECKING:
    from service.desk import Desk
    from store.unit_of_work import UnitOfWork

NAGGING = "nagging"
"""The flag on a ticket whose customer keeps writing while nobody answers."""


async def notify_managers(
    uow: UnitOfWork, ticket: Ticket, kind: str, text: str, now: datetime
) -> int:
    """Tell the team's managers (every manager and admin when the team has none)."""
    managers = [
        a for a in await uow.agents.list() if a.active and a.role.at_least(AgentRole.MANAGER)
    ]
    of_team = [a for a in managers if ticket.team and ticket.team in a.teams]
    for manager in of_team or managers:
        await uow.notifications.add(manager.id, ticket.id, kind, text, now)
    return len(of_team or managers)


async def record_escalation(
    uow: UnitOfWork, desk: Desk, ticket: Ticket, old: Priority, actor: str, why: str
) -> None:
    """The audit event and the managers' notification of an escalation (already applied);
    the due times follow the new priority."""
    now = desk.clock()
    await tighten_due_times(uow, desk, ticket, actor)
    await uow.events.add(
        TicketEvent(
            ticket.id,
            actor,
            "escalated",
            old.value,
            ticket.priority.value,
            detail=why,
            created_at=now,
        )
    )
    await notify_managers(
        uow,
        ticket,
        "escalated",
        f"{format_ticket_id(ticket.id)} escalated to {ticket.priority.value}: {why}",
        now,
    )
    desk.ticket_changed(uow, ticket.id)
