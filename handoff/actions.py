"""What agents do to tickets: take over, reply, escalate, approve, resolve, relabel...

Each action is one write (one transaction): the status change, the conversation's owner, the
audit events, the message to the customer and its outbox row commit together or not at all.
Role checks live here too, so the JSON API and the console cannot disagree about them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from models import (
    Agent,
    AgentRole,
    ConversationAction,
    ConversationState,
    Forbidden,
    Message,
    NotFound,
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
from models.inputs import parse_row_id

from .auth import actor_of, require_role
from .history import shorten
from .merge import also_tell_merged
from .notices import NAGGING, notify_managers, record_escalation
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
                    await self._set_assignee(uow, ticket, agent, actor, now)
                else:
                    await assign(uow, self.desk, ticket, agent, actor, now)
            needs_approval = ticket.type is TicketType.CHANGE_REQUEST and not (
                await self._approved(uow, ticket.id)
            )
            if needs_approval and ticket.status is not TicketStatus.PENDING_APPROVAL:
                await self._request_approval(uow, agent, ticket, "change request taken over")
            elif ticket.status is TicketStatus.ASSIGNED:
                await self.desk.transition(uow, ticket, TicketAction.START, actor)
            await self._take_conversation(uow, agent, ticket, now)
            return ticket

        return await self.store.write(work)

    async def release(self, agent: Agent, ticket_id: int) -> Ticket:
        """Hand the conversation back to the bot and the ticket back to the queue."""

        async def work(uow: UnitOfWork) -> Ticket:
            ticket = await uow.tickets.get(ticket_id, for_update=True)
            self._owner_or_manager(agent, ticket, "release")
            actor, now = actor_of(agent), self.desk.clock()
            conversation = await uow.conversations.get(ticket.conversation_id)
            if conversation.ticket_id == ticket.id and conversation.state in (
                ConversationState.WITH_AGENT,
                ConversationState.WAITING_FOR_AGENT,
            ):
                old = conversation.move(ConversationAction.RELEASE)
                conversation.dialogue = None
                await uow.conversations.save(conversation, now)
                await uow.events.add(
                    TicketEvent(ticket.id, actor, "released", old.value, "with_bot", created_at=now)
                )
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

    async def reply(self, agent: Agent, ticket_id: int, text: Any, internal: Any) -> Message:
        body = text_field(text, "text")
        if not isinstance(internal, bool):
            raise ValidationError('"internal" must be true or false')

        async def work(uow: UnitOfWork) -> Message:
            ticket = await uow.tickets.get(ticket_id)
            conversation = await uow.conversations.get(ticket.conversation_id)
            message = await self.desk.say(
                uow,
                conversation,
                body,
                sender=SenderKind.AGENT,
                agent_id=agent.id,
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

    async def escalate(self, agent: Agent, ticket_id: int, reason: Any) -> Ticket:
        why = text_field(reason, "reason", required=False) or "escalated by an agent"

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

    async def request_approval(self, agent: Agent, ticket_id: int, reason: Any = None) -> Ticket:
        why = text_field(reason, "reason", required=False) or "approval requested"

        async def work(uow: UnitOfWork) -> Ticket:
            ticket = await uow.tickets.get(ticket_id, for_update=True)
            await self._request_approval(uow, agent, ticket, why)
            return ticket

        return await self.store.write(work)

    async def approve(self, agent: Agent, ticket_id: int, reason: Any = None) -> Ticket:
        require_role(agent, AgentRole.MANAGER, "approve a change")
        why = text_field(reason, "reason", required=False)

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
                f"Good news: your request {format_ticket_id(ticket.id)} has been approved"
                + (f" ({why})" if why else "")
                + ". We are working on it now.",
                ticket_id=ticket.id,
            )
            return ticket

        return await self.store.write(work)

    async def reject(self, agent: Agent, ticket_id: int, reason: Any) -> Ticket:
        require_role(agent, AgentRole.MANAGER, "reject a change")
        why = text_field(reason, "reason")

        async def work(uow: UnitOfWork) -> Ticket:
            ticket = await uow.tickets.get(ticket_id, for_update=True)
            actor, now = actor_of(agent), self.desk.clock()
            ticket.resolution = f"Not approved: {why}"
            await self.desk.transition(uow, ticket, TicketAction.REJECT, actor, detail=why)
            await uow.events.add(
                TicketEvent(ticket.id, actor, "rejected", detail=why, created_at=now)
            )
            conversation = await uow.conversations.get(ticket.conversation_id)
            if conversation.ticket_id == ticket.id:
                conversation.move(ConversationAction.HAND_BACK)
                conversation.dialogue = None
                await uow.conversations.save(conversation, now)
            await self.desk.say(
                uow,
                conversation,
                f"We're sorry: your request {format_ticket_id(ticket.id)} was not approved. "
                f"Reason: {why}",
                ticket_id=ticket.id,
            )
            return ticket

        return await self.store.write(work)

    # -- resolution ---------------------------------------------------------------------------

    async def resolve(self, agent: Agent, ticket_id: int, resolution: Any) -> Ticket:
        notes = text_field(resolution, "resolution")

        async def work(uow: UnitOfWork) -> Ticket:
            ticket = await uow.tickets.get(ticket_id, for_update=True)
            if ticket.type is TicketType.PROBLEM:  # resolves its incidents, tells each customer
                await resolve_problem(uow, self.desk, ticket, notes, actor_of(agent))
            else:
                await self.desk.resolve(uow, ticket, notes, actor_of(agent))
            await uow.flags.clear(ticket.id, NAGGING)
            return ticket

        return await self.store.write(work)

    async def reopen(self, agent: Agent, ticket_id: int, reason: Any = None) -> Ticket:
        why = text_field(reason, "reason", required=False) or "reopened by an agent"

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
                await self._reassign(uow, agent, ticket, changes.assignee, now)
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

    async def _reassign(
        self, uow: UnitOfWork, agent: Agent, ticket: Ticket, value: Any, now: datetime
    ) -> None:
        actor = actor_of(agent)
        if value in (None, "", "none"):
            if ticket.assignee_id is None:
                return
            self._owner_or_manager(agent, ticket, "unassign")
            if (ticket.status, TicketAction.UNASSIGN) in _transitions():
                await self.desk.transition(uow, ticket, TicketAction.UNASSIGN, actor)
            await self._set_assignee(uow, ticket, None, actor, now)
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
            await self._set_assignee(uow, ticket, target, actor, now)
        else:
            await assign(uow, self.desk, ticket, target, actor, now)

    async def _set_assignee(
        self, uow: UnitOfWork, ticket: Ticket, agent: Agent | None, actor: str, now: datetime
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
            await self._request_approval(uow, agent, ticket, "approval requested")
        elif action is TicketAction.UNASSIGN:
            await self._reassign(uow, agent, ticket, None, self.desk.clock())
        else:
            await self.desk.transition(uow, ticket, action, actor)

    async def _request_approval(
        self, uow: UnitOfWork, agent: Agent, ticket: Ticket, why: str
    ) -> None:
        actor, now = actor_of(agent), self.desk.clock()
        await self.desk.transition(uow, ticket, TicketAction.REQUEST_APPROVAL, actor, detail=why)
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
        await self.desk.say(
            uow,
            conversation,
            f"Your request {format_ticket_id(ticket.id)} needs a manager's approval before we "
            "start. We'll let you know here as soon as it is decided.",
            ticket_id=ticket.id,
        )

    async def _take_conversation(
        self, uow: UnitOfWork, agent: Agent, ticket: Ticket, now: datetime
    ) -> None:
        conversation = await uow.conversations.get(ticket.conversation_id)
        if (
            conversation.ticket_id != ticket.id
            or conversation.state is ConversationState.WITH_AGENT
        ):
            return
        old = conversation.move(ConversationAction.TAKE_OVER)
        conversation.dialogue = None
        await uow.conversations.save(conversation, now)
        await self.desk.agent_joined(uow, conversation, agent.name)
        await uow.events.add(
            TicketEvent(
                ticket.id,
                actor_of(agent),
                "takeover",
                old.value,
                ConversationState.WITH_AGENT.value,
                detail=agent.email,
                created_at=now,
            )
        )

    @staticmethod
    async def _approved(uow: UnitOfWork, ticket_id: int) -> bool:
        return any(e.kind == "approved" for e in await uow.events.for_ticket(ticket_id))

    @staticmethod
    def _owner_or_manager(agent: Agent, ticket: Ticket, what: str) -> None:
        if ticket.assignee_id not in (None, agent.id):
            require_role(agent, AgentRole.MANAGER, f"{what} a ticket assigned to someone else")


def _transitions() -> set[tuple[TicketStatus, TicketAction]]:
    from models import TRANSITIONS

    return set(TRANSITIONS)


def _conflict(ticket: Ticket, what: str) -> Exception:
    from models import InvalidTransition

    return InvalidTransition(ticket.status.value, what)
