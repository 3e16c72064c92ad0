"""What agents do to tickets: take over, reply, escalate, approve, resolve, relabel...

Each action is one write (one transaction): the status change, the conversation's owner, the
audit events, the message to the customer and its outbox row commit together or not at all.
Role checks live here too, so the JSON API and the console cannot disagree about them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from models import (
    Agent,
    AgentRole,
    ConversationState,
    Message,
    NotFound,
    Priority,
    SenderKind,
    Ticket,
    TicketAction,
    TicketEvent,
    TicketFilter,
    TicketStatus,
    TicketType,
    ValidationError,
    action_for_target,
    allowed_actions,
    format_ticket_id,
)
from models.inputs import parse_row_id

from .auth import Forbidden, actor_of, require_role
from .due_times import tighten_due_times
from .history import readable_history, shorten
from .merge import also_tell_merged
from .problems import resolve_problem
from .routing import assign
from .search import find, snippet_fields
from .similar import similar_tickets
from .tags import parse_tags, set_tags
from .views import load_details, ticket_json, ticket_summary

if TYPE_CHECKING:
    from store.database import Store
    from store.unit_of_work import UnitOfWork

    from .desk import Desk

MAX_TEXT = 4000
NAGGING = "nagging"
EDITABLE = ("type", "priority", "intent", "assignee", "status", "team", "tags", "resolution")


def _text(value: Any, name: str, required: bool = True) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise ValidationError(f'"{name}" must be a non-empty string')
    if len(value) > MAX_TEXT:
        raise ValidationError(f'"{name}" is longer than {MAX_TEXT} characters')
    return value.strip()


def sla_state(ticket: Ticket, now: datetime) -> dict[str, Any]:
    """The due time that matters now (first response until answered, then resolution)."""
    if not ticket.status.is_open:
        return {"kind": None, "due": None, "seconds_left": None, "breached": False}
    due: datetime | None
    if ticket.first_response_at is None and ticket.first_response_due is not None:
        kind, due = "first_response", ticket.first_response_due
    else:
        kind, due = "resolution", ticket.resolution_due
    if due is None:
        return {"kind": None, "due": None, "seconds_left": None, "breached": False}
    left = int((due - now).total_seconds())
    return {"kind": kind, "due": due.isoformat(), "seconds_left": left, "breached": left < 0}


def urgency_key(ticket: Ticket, now: datetime) -> tuple[int, float, int, int]:
    """Open tickets first, the soonest (or most overdue) SLA first, then priority, then age."""
    sla = sla_state(ticket, now)
    left = sla["seconds_left"]
    return (
        0 if ticket.status.is_open else 1,
        float(left) if left is not None else float("inf"),
        -ticket.priority.rank,
        ticket.id,
    )


@dataclass(frozen=True, slots=True)
class QueueQuery:
    statuses: tuple[TicketStatus, ...] = ()
    assignee: str | None = None  # "me", "none" or an agent id
    type: str | None = None
    priority: str | None = None
    team: str | None = None
    include_closed: bool = False
    q: str | None = None  # full-text search (#12): every status, best match first
    tag: str | None = None

    @classmethod
    def parse(cls, params: dict[str, str]) -> QueueQuery:
        """From query parameters; raises ValidationError naming a bad value."""
        statuses: list[TicketStatus] = []
        include_closed = False
        for raw in filter(None, (params.get("status") or "").split(",")):
            if raw == "all":
                include_closed = True
                continue
            try:
                statuses.append(TicketStatus(raw))
            except ValueError:
                raise ValidationError(f"unknown status {raw!r}") from None
        for name, enum in (("type", TicketType), ("priority", Priority)):
            value = params.get(name)
            if value and value not in {e.value for e in enum}:
                raise ValidationError(f"unknown {name} {value!r}")
        assignee = params.get("assignee") or None
        if assignee not in (None, "me", "none"):
            parse_row_id(assignee, 'assignee ("me", "none" or an agent id)')
        return cls(
            statuses=tuple(statuses),
            assignee=assignee,
            type=params.get("type") or None,
            priority=params.get("priority") or None,
            team=params.get("team") or None,
            include_closed=include_closed or bool(statuses) or bool(params.get("q")),
            q=(params.get("q") or "").strip() or None,
            tag=(params.get("tag") or "").strip().lower() or None,
        )


@dataclass
class AgentActions:
    """The service behind the agent API and the console."""

    store: Store
    desk: Desk

    # -- reading ------------------------------------------------------------------------------

    async def queue(self, agent: Agent, query: QueueQuery) -> list[dict[str, Any]]:
        assignee_id = None
        if query.assignee == "me":
            assignee_id = agent.id
        elif query.assignee and query.assignee.isdigit():
            assignee_id = int(query.assignee)
        flt = TicketFilter(
            statuses=query.statuses,
            assignee_id=assignee_id,
            unassigned=query.assignee == "none",
            type=query.type,
            priority=query.priority,
            team=query.team,
            open_only=not query.include_closed,
            limit=500,
            tag=query.tag,
        )

        async def read(uow: UnitOfWork) -> list[dict[str, Any]]:
            hits = {h.ticket_id: h for h in await find(uow, query.q)} if query.q else {}
            found = await uow.tickets.list(replace(flt, ids=list(hits)) if query.q else flt)
            agents = {a.id: a for a in await uow.agents.list()}
            flags = await uow.flags.for_tickets([t.id for t in found])
            tags = await uow.tags.for_tickets([t.id for t in found])
            now = self.desk.clock()
            found.sort(key=lambda t: urgency_key(t, now))
            if hits:  # a search lists the best match first
                rank = {ticket_id: i for i, ticket_id in enumerate(hits)}
                found.sort(key=lambda t: rank[t.id])
            out = []
            for ticket in found:
                item = ticket_summary(ticket, agents.get(ticket.assignee_id or 0))
                assignee = agents.get(ticket.assignee_id or 0)
                item["assignee_name"] = assignee.name if assignee else None
                item["flags"] = flags.get(ticket.id, [])
                item["sla"] = sla_state(ticket, now)
                item["tags"] = tags.get(ticket.id, [])
                if hits:
                    item.update(snippet_fields(hits[ticket.id]))
                out.append(item)
            return out

        return await self.store.read(read)

    async def details(self, ticket_id: int) -> dict[str, Any]:
        async def read(uow: UnitOfWork) -> dict[str, Any]:
            details = await load_details(uow, ticket_id)
            data = ticket_json(details)
            ticket = details.ticket
            conversation = await uow.conversations.get(ticket.conversation_id)
            candidates = await uow.handoff.resolved_with_notes(limit=500)
            agents = {a.id: a for a in await uow.agents.list()}
            data["similar"] = [
                {**ticket_summary(t), "score": score}
                for t, score in similar_tickets(ticket, candidates)
            ]
            data["flags"] = (await uow.flags.for_tickets([ticket.id])).get(ticket.id, [])
            data["sla"] = sla_state(ticket, self.desk.clock())
            data["conversation_state"] = (
                conversation.state.value if conversation.ticket_id == ticket.id else "elsewhere"
            )
            data["allowed_actions"] = [a.value for a in allowed_actions(ticket.status)]
            data["assignee_name"] = details.assignee.name if details.assignee else None
            for message in data["messages"]:
                author = agents.get(message["agent_id"] or 0)
                message["agent_name"] = author.name if author else None
            readable_history(data, agents)  # names for ids, labels for pressed buttons (#12)
            return data

        return await self.store.read(read)

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
                old = conversation.state
                conversation.state = ConversationState.WITH_BOT
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
        body = _text(text, "text")
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
        why = _text(reason, "reason", required=False) or "escalated by an agent"

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
        why = _text(reason, "reason", required=False) or "approval requested"

        async def work(uow: UnitOfWork) -> Ticket:
            ticket = await uow.tickets.get(ticket_id, for_update=True)
            await self._request_approval(uow, agent, ticket, why)
            return ticket

        return await self.store.write(work)

    async def approve(self, agent: Agent, ticket_id: int, reason: Any = None) -> Ticket:
        require_role(agent, AgentRole.MANAGER, "approve a change")
        why = _text(reason, "reason", required=False)

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
        why = _text(reason, "reason")

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
                conversation.state = ConversationState.WITH_BOT
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
        notes = _text(resolution, "resolution")

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
        why = _text(reason, "reason", required=False) or "reopened by an agent"

        async def work(uow: UnitOfWork) -> Ticket:
            ticket = await uow.tickets.get(ticket_id, for_update=True)
            return await self.desk.reopen(uow, ticket, actor_of(agent), why)

        return await self.store.write(work)

    # -- fields -------------------------------------------------------------------------------

    async def update(self, agent: Agent, ticket_id: int, changes: dict[str, Any]) -> Ticket:
        """PATCH: type, priority, intent (each kept as a training label), team, assignee,
        status (any single lifecycle move; ``resolved`` needs ``resolution``)."""
        unknown = set(changes) - set(EDITABLE)
        if unknown or not changes:
            fields = ", ".join(EDITABLE[:-1])
            raise ValidationError(
                f"send one or more of {fields}" + (f"; not {sorted(unknown)}" if unknown else "")
            )
        new_type = _enum(TicketType, changes, "type")
        new_priority = _enum(Priority, changes, "priority")
        new_status = _enum(TicketStatus, changes, "status")
        new_intent = _text(changes["intent"], "intent")[:64] if "intent" in changes else None
        new_team = _text(changes["team"], "team")[:64] if "team" in changes else None
        resolution = changes.get("resolution")
        new_tags = parse_tags(changes["tags"]) if "tags" in changes else None

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
                from store.repositories import TrainingLabel  # the store's record type

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
            if new_tags is not None:
                await set_tags(uow, self.desk, ticket, new_tags, actor)
            if "assignee" in changes:
                await self._reassign(uow, agent, ticket, changes["assignee"], now)
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
            await self.desk.resolve(uow, ticket, _text(resolution, "resolution"), actor)
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
        old = conversation.state
        conversation.state = ConversationState.WITH_AGENT
        conversation.dialogue = None
        await uow.conversations.save(conversation, now)
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


def _enum(kind: Any, changes: dict[str, Any], name: str) -> Any:
    if name not in changes:
        return None
    try:
        return kind(changes[name])
    except ValueError:
        allowed = ", ".join(e.value for e in kind)
        raise ValidationError(f'"{name}" must be one of {allowed}') from None


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
