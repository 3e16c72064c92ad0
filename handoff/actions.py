"""What agents do to tickets: take over, reply, escalate, approve, resolve, relabel...

Each action is one write (one transaction): the status change, the conversation's owner, the
audit events, the message to the customer and its outbox row commit together or not at all.
Role checks live here too, so the JSON API and the console cannot disagree about them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from models import (
    Agent,
    AgentRole,
    Forbidden,
    Message,
    SenderKind,
    Ticket,
    TicketAction,
    TicketEvent,
    TicketStatus,
    TicketType,
    ValidationError,
    action_for_target,
    format_ticket_id,
)

from . import customer_texts
from .approvals import approved, request_approval
from .assignment import act_as_owner, owner_or_manager, reassign, set_assignee
from .auth import actor_of, require_role
from .commands import Reason, Reply, Resolve
from .history import shorten
from .merge import also_tell_merged
from .notices import NAGGING, record_escalation
from .problems import resolve_problem
from .queue import QueueQuery, read_details, read_queue, ticket_filter
from .routing import assign
from .tags import set_tags
from .ticket_changes import TicketChanges, text_field

if TYPE_CHECKING:
    from service.desk import Desk
    from store.database import Store
    from store.unit_of_work import UnitOfWork


@dataclass
class AgentActions:
    """The service behind the agent API and the console."""

    store: Store
    desk: Desk

    async def queue(self, agent: Agent, query: QueueQuery) -> list[dict[str, Any]]:
        flt = ticket_filter(agent, query)
        return await self.store.read(lambda uow: read_queue(uow, flt, self.desk.clock(), query.q))

    async def details(self, ticket_id: int) -> dict[str, Any]:
        return await self.store.read(lambda uow: read_details(uow, ticket_id, self.desk.clock()))

    # -- taking over --------------------------------------------------------------------------

    async def claim(self, agent: Agent, ticket_id: int) -> Ticket:
        """Assign to ``agent`` and take the conversation from the bot (the bot goes silent).

        A change request not approved yet goes to ``pending_approval`` instead of work.
        """

        async def work(uow: UnitOfWork) -> Ticket:
            ticket = await uow.tickets.get(ticket_id, for_update=True)
            if not ticket.status.is_open:
                raise _conflict(ticket, "take over")
            owner = ticket.assignee_id
            if owner not in (None, agent.id) and not agent.role.at_least(AgentRole.MANAGER):
                raise Forbidden(
                    f"{format_ticket_id(ticket.id)} is assigned to someone else; "
                    "ask them or a manager to reassign it"
                )
            actor, now = actor_of(agent), self.desk.clock()
            if owner != agent.id:
                if ticket.status is TicketStatus.PENDING_APPROVAL:
                    await set_assignee(uow, ticket, agent, actor, now)
                else:
                    await assign(uow, self.desk, ticket, agent, actor, now)
            needs_approval = ticket.type is TicketType.CHANGE_REQUEST and not (
                await approved(uow, ticket.id)
            )
            if needs_approval and ticket.status is not TicketStatus.PENDING_APPROVAL:
                await request_approval(uow, self.desk, agent, ticket, "change request taken over")
            elif ticket.status is TicketStatus.ASSIGNED:
                await self.desk.transition(uow, ticket, TicketAction.START, actor)
            await self.desk.take_over(uow, ticket, actor, agent.email, now, joined=agent.name)
            return ticket

        return await self.store.write(work)

    async def release(self, agent: Agent, ticket_id: int) -> Ticket:
        """Hand the conversation back to the bot and the ticket back to the queue."""

        async def work(uow: UnitOfWork) -> Ticket:
            ticket = await uow.tickets.get(ticket_id, for_update=True)
            owner_or_manager(agent, ticket, "release")
            actor, now = actor_of(agent), self.desk.clock()
            await self.desk.release(uow, ticket, actor, now)
            if ticket.assignee_id is not None and (ticket.status, TicketAction.UNASSIGN) in (
                _transitions()
            ):
                await self.desk.transition(uow, ticket, TicketAction.UNASSIGN, actor)
                ticket.assignee_id = None
                await uow.tickets.save(ticket)
            elif ticket.assignee_id is not None and ticket.status is TicketStatus.PENDING_APPROVAL:
                ticket.assignee_id = None
                await uow.tickets.save(ticket)
            self.desk.ticket_changed(uow, ticket.id)
            return ticket

        return await self.store.write(work)

    # -- messages -----------------------------------------------------------------------------

    async def reply(self, agent: Agent, ticket_id: int, reply: Reply) -> Message:
        body, internal = reply.text, reply.internal

        async def work(uow: UnitOfWork) -> Message:
            ticket = await uow.tickets.get(ticket_id)
            conversation = await uow.conversations.get(ticket.conversation_id)
            message = await self.desk.say(
                uow,
                conversation,
                body,
                sender=SenderKind.AGENT,
                agent_id=agent.id,
                agent_name=agent.name,
                team=ticket.team,
                internal=internal,
                ticket_id=ticket.id,
            )
            now = self.desk.clock()
            if internal:
                await uow.events.add(
                    TicketEvent(
                        ticket.id, actor_of(agent), "note", detail=shorten(body), created_at=now
                    )
                )
            else:
                await also_tell_merged(uow, self.desk, ticket, body, agent)
                await self.desk.record_first_response(uow, ticket)
                if await uow.flags.clear(ticket.id, NAGGING):
                    await uow.events.add(
                        TicketEvent(
                            ticket.id, actor_of(agent), "unflagged", NAGGING, None, created_at=now
                        )
                    )
            return message

        return await self.store.write(work)

    # -- escalation and approvals ------------------------------------------------------------

    async def escalate(self, agent: Agent, ticket_id: int, reason: Reason) -> Ticket:
        why = reason.text or "escalated by an agent"

        async def work(uow: UnitOfWork) -> Ticket:
            ticket = await uow.tickets.get(ticket_id, for_update=True)
            if not ticket.status.is_open:
                raise _conflict(ticket, "escalate")
            old = ticket.priority
            ticket.priority = old.raised()
            ticket.escalated = True
            ticket.updated_at = self.desk.clock()
            await uow.tickets.save(ticket)
            await record_escalation(uow, self.desk, ticket, old, actor_of(agent), why)
            return ticket

        return await self.store.write(work)

    async def request_approval(self, agent: Agent, ticket_id: int, reason: Reason) -> Ticket:
        why = reason.text or "approval requested"

        async def work(uow: UnitOfWork) -> Ticket:
            ticket = await uow.tickets.get(ticket_id, for_update=True)
            await request_approval(uow, self.desk, agent, ticket, why)
            return ticket

        return await self.store.write(work)

    async def approve(self, agent: Agent, ticket_id: int, reason: Reason) -> Ticket:
        require_role(agent, AgentRole.MANAGER, "approve a change")
        why = reason.text

        async def work(uow: UnitOfWork) -> Ticket:
            ticket = await uow.tickets.get(ticket_id, for_update=True)
            actor, now = actor_of(agent), self.desk.clock()
            await self.desk.transition(uow, ticket, TicketAction.APPROVE, actor, detail=why or None)
            await uow.events.add(
                TicketEvent(ticket.id, actor, "approved", detail=why or None, created_at=now)
            )
            conversation = await uow.conversations.get(ticket.conversation_id)
            await self.desk.say(
                uow,
                conversation,
                customer_texts.approved(ticket.id, why),
                ticket_id=ticket.id,
            )
            return ticket

        return await self.store.write(work)

    async def reject(self, agent: Agent, ticket_id: int, reason: Reason) -> Ticket:
        require_role(agent, AgentRole.MANAGER, "reject a change")
        why = reason.text

        async def work(uow: UnitOfWork) -> Ticket:
            ticket = await uow.tickets.get(ticket_id, for_update=True)
            actor, now = actor_of(agent), self.desk.clock()
            ticket.resolution = f"Not approved: {why}"
            await self.desk.transition(uow, ticket, TicketAction.REJECT, actor, detail=why)
            await uow.events.add(
                TicketEvent(ticket.id, actor, "rejected", detail=why, created_at=now)
            )
            conversation = await self.desk.hand_back(uow, ticket)
            await self.desk.say(
                uow,
                conversation,
                customer_texts.rejected(ticket.id, why),
                ticket_id=ticket.id,
            )
            return ticket

        return await self.store.write(work)

    # -- resolution ---------------------------------------------------------------------------

    async def resolve(self, agent: Agent, ticket_id: int, resolve: Resolve) -> Ticket:
        notes = resolve.resolution

        async def work(uow: UnitOfWork) -> Ticket:
            ticket = await uow.tickets.get(ticket_id, for_update=True)
            await act_as_owner(uow, agent, ticket, "resolve", self.desk.clock())
            if ticket.status is TicketStatus.PENDING_APPROVAL:  # not only the table's word
                raise _conflict(ticket, "resolve before a manager approves or rejects it")
            if ticket.type is TicketType.PROBLEM:  # resolves its incidents, tells each customer
                await resolve_problem(uow, self.desk, ticket, notes, actor_of(agent))
            else:
                await self.desk.resolve(uow, ticket, notes, actor_of(agent))
            await uow.flags.clear(ticket.id, NAGGING)
            return ticket

        return await self.store.write(work)

    async def reopen(self, agent: Agent, ticket_id: int, reason: Reason) -> Ticket:
        why = reason.text or "reopened by an agent"

        async def work(uow: UnitOfWork) -> Ticket:
            ticket = await uow.tickets.get(ticket_id, for_update=True)
            return await self.desk.reopen(uow, ticket, actor_of(agent), why)

        return await self.store.write(work)

    # -- fields -------------------------------------------------------------------------------

    async def update(self, agent: Agent, ticket_id: int, changes: TicketChanges) -> Ticket:
        """PATCH: type, priority, intent (each kept as a training label), team, assignee,
        tags, status (any single lifecycle move; ``resolved`` needs ``resolution``)."""
        new_type, new_priority, new_status = changes.type, changes.priority, changes.status
        new_intent, new_team, resolution = changes.intent, changes.team, changes.resolution

        async def work(uow: UnitOfWork) -> Ticket:
            ticket = await uow.tickets.get(ticket_id, for_update=True)
            actor, now = actor_of(agent), self.desk.clock()
            relabel: dict[str, str] = {}
            if new_type is not None and new_type is not ticket.type:
                await self._field(uow, ticket, actor, "type", ticket.type.value, new_type.value)
                ticket.type = new_type
                relabel["type"] = new_type.value
            if new_priority is not None and new_priority is not ticket.priority:
                old = ticket.priority.value
                ticket.priority = new_priority
                if ticket.created_at is not None:  # the SLA follows the priority
                    ticket.first_response_due = self.desk.sla.first_response_due(
                        new_priority, ticket.created_at
                    )
                    ticket.resolution_due = self.desk.sla.resolution_due(
                        new_priority, ticket.created_at
                    )
                await self._field(uow, ticket, actor, "priority", old, new_priority.value)
                relabel["priority"] = new_priority.value
            if new_intent is not None and new_intent != ticket.intent:
                await self._field(uow, ticket, actor, "intent", ticket.intent, new_intent)
                ticket.intent = new_intent
                relabel["intent"] = new_intent
            if new_team is not None and new_team != ticket.team:
                await self._field(uow, ticket, actor, "team", ticket.team, new_team)
                ticket.team = new_team
            ticket.updated_at = now
            await uow.tickets.save(ticket)
            if relabel:
                from store.training_labels import TrainingLabel  # the store's record type

                await uow.labels.add(
                    TrainingLabel(
                        text=ticket.description,
                        source="agent",
                        ticket_id=ticket.id,
                        agent_id=agent.id,
                        created_at=now,
                        **relabel,
                    )
                )
            if changes.tags is not None:
                await set_tags(uow, self.desk, ticket, changes.tags, actor)
            if changes.reassign:
                await reassign(uow, self.desk, agent, ticket, changes.assignee, now)
            if new_status is not None and new_status is not ticket.status:
                await self._move(uow, agent, ticket, new_status, resolution)
            self.desk.ticket_changed(uow, ticket.id)
            return ticket

        return await self.store.write(work)

    # -- helpers ------------------------------------------------------------------------------

    async def _field(
        self, uow: UnitOfWork, ticket: Ticket, actor: str, name: str, old: str | None, new: str
    ) -> None:
        await uow.events.add(
            TicketEvent(ticket.id, actor, f"field:{name}", old, new, created_at=self.desk.clock())
        )

    async def _move(
        self, uow: UnitOfWork, agent: Agent, ticket: Ticket, target: TicketStatus, resolution: Any
    ) -> None:
        action = action_for_target(ticket.status, target)
        actor = actor_of(agent)
        if action in (TicketAction.APPROVE, TicketAction.REJECT):
            raise ValidationError(f"use /{action.value} to {action.value} a change request")
        if action is TicketAction.RESOLVE:
            await self.desk.resolve(uow, ticket, text_field(resolution, "resolution"), actor)
        elif action is TicketAction.REOPEN:
            await self.desk.reopen(uow, ticket, actor, "reopened by an agent")
        elif action is TicketAction.REQUEST_APPROVAL:
            await request_approval(uow, self.desk, agent, ticket, "approval requested")
        elif action is TicketAction.UNASSIGN:
            await reassign(uow, self.desk, agent, ticket, None, self.desk.clock())
        else:
            await self.desk.transition(uow, ticket, action, actor)


def _transitions() -> set[tuple[TicketStatus, TicketAction]]:
    from models import TRANSITIONS

    return set(TRANSITIONS)


def _conflict(ticket: Ticket, what: str) -> Exception:
    from models import InvalidTransition

    return InvalidTransition(ticket.status.value, what)
