"""The agents' queue and one ticket's page: what to show, most urgent first."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from models import (
    Agent,
    Priority,
    Ticket,
    TicketFilter,
    TicketStatus,
    TicketType,
    ValidationError,
    allowed_actions,
)
from models.inputs import parse_row_id

from .history import readable_history
from .search import find, snippet_fields
from .similar import similar_tickets
from .views import load_details, ticket_json, ticket_summary

if TYPE_CHECKING:
    from store.unit_of_work import UnitOfWork


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
    q: str | None = None  # full-text search: every status, best match first
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


def ticket_filter(agent: Agent, query: QueueQuery) -> TicketFilter:
    """The store's filter for what an agent asked to see."""
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
    return flt


async def read_queue(
    uow: UnitOfWork, flt: TicketFilter, now: datetime, q: str | None = None
) -> list[dict[str, Any]]:
    """The queue as the console shows it: most urgent first, with assignees, flags and SLA."""
    hits = {h.ticket_id: h for h in await find(uow, q)} if q else {}
    found = await uow.tickets.list(replace(flt, ids=list(hits)) if q else flt)
    agents = {a.id: a for a in await uow.agents.list()}
    flags = await uow.flags.for_tickets([t.id for t in found])
    tags = await uow.tags.for_tickets([t.id for t in found])
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


async def read_details(uow: UnitOfWork, ticket_id: int, now: datetime) -> dict[str, Any]:
    """One ticket with its messages, history, similar resolved tickets, flags and SLA."""
    details = await load_details(uow, ticket_id)
    data = ticket_json(details)
    ticket = details.ticket
    conversation = await uow.conversations.get(ticket.conversation_id)
    candidates = await uow.handoff.resolved_with_notes(limit=500)
    agents = {a.id: a for a in await uow.agents.list()}
    data["similar"] = [
        {**ticket_summary(t), "score": score} for t, score in similar_tickets(ticket, candidates)
    ]
    data["flags"] = (await uow.flags.for_tickets([ticket.id])).get(ticket.id, [])
    data["sla"] = sla_state(ticket, now)
    data["conversation_state"] = (
        conversation.state.value if conversation.ticket_id == ticket.id else "elsewhere"
    )
    data["allowed_actions"] = [a.value for a in allowed_actions(ticket.status)]
    data["assignee_name"] = details.assignee.name if details.assignee else None
    for message in data["messages"]:
        author = agents.get(message["agent_id"] or 0)
        message["agent_name"] = author.name if author else None
    readable_history(data, agents)  # names for ids, labels for pressed buttons
    return data
