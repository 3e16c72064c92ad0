"""Tickets as JSON, the same shape for the CLI (`tickets show --json`) and the agent API."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from models import (
    Agent,
    Attachment,
    CsatResponse,
    Customer,
    Message,
    Ticket,
    TicketEvent,
    TicketFilter,
    format_ticket_id,
)
from models.identity import known_name, organisation
from models.organisations import candidate_domains

if TYPE_CHECKING:
    from store.unit_of_work import UnitOfWork


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


@dataclass
class TicketDetails:
    ticket: Ticket
    customer: Customer
    assignee: Agent | None
    messages: list[Message]
    events: list[TicketEvent]
    csat: CsatResponse | None
    history: list[Ticket]
    tags: list[str]
    links: dict[str, int]  # merged_into / follow_up_of -> ticket id
    merged: list[int]  # duplicates merged into this ticket
    organisation: str | None = None  # the customer's: stored for their domain, else derived


async def load_details(
    uow: UnitOfWork, ticket_id: int, include_internal: bool = True
) -> TicketDetails:
    ticket = await uow.tickets.get(ticket_id)
    customer = await uow.customers.get(ticket.customer_id)
    assignee = await uow.agents.get(ticket.assignee_id) if ticket.assignee_id else None
    identities = await uow.customers.identities(customer)  # every earlier ticket of theirs
    history = [
        t
        for t in await uow.tickets.list(TicketFilter(customer_ids=identities, limit=1000))
        if t.id != ticket.id
    ]
    return TicketDetails(
        ticket=ticket,
        customer=customer,
        assignee=assignee,
        messages=await uow.messages.for_ticket(ticket, include_internal=include_internal),
        events=await uow.events.for_ticket(ticket.id),
        csat=await uow.csat.latest(ticket.id),
        history=history,
        tags=await uow.tags.of(ticket.id),
        links=await uow.links.of(ticket.id),
        merged=await uow.links.pointing_at(ticket.id, "merged_into"),
        organisation=await organisation_of(uow, customer.email),
    )


async def organisation_of(uow: UnitOfWork, email: str | None) -> str | None:
    """The stored organisation of the email's domain (or a parent domain), else the domain
    itself unless free mail (``models/identity.py``)."""
    stored = await uow.organisations.named(candidate_domains(email))
    return stored if stored is not None else organisation(email)


def customer_json(customer: Customer, organisation: str | None) -> dict[str, Any]:
    return {
        "id": customer.id,
        "channel": customer.channel.value,
        "external_id": customer.external_id,
        "display_name": customer.display_name,
        "name": customer.display_name if known_name(customer.display_name) else None,
        "email": customer.email,
        "email_verified": customer.email_verified,
        "organisation": organisation,
        "language": customer.language,
    }


def agent_json(agent: Agent) -> dict[str, Any]:
    return {
        "id": agent.id,
        "email": agent.email,
        "name": agent.name,
        "role": agent.role.value,
        "teams": list(agent.teams),
        "skills": list(agent.skills),
        "capacity": agent.capacity,
        "online": agent.online,
        "active": agent.active,
    }


def ticket_summary(ticket: Ticket, assignee: Agent | None = None) -> dict[str, Any]:
    return {
        "id": format_ticket_id(ticket.id),
        "type": ticket.type.value,
        "priority": ticket.priority.value,
        "intent": ticket.intent,
        "confidence": ticket.confidence,
        "status": ticket.status.value,
        "assignee": assignee.email if assignee else ticket.assignee_id,
        "assignee_id": ticket.assignee_id,
        "team": ticket.team,
        "channel": ticket.channel.value,
        "description": ticket.description,
        "auto_fulfilled": ticket.auto_fulfilled,
        "escalated": ticket.escalated,
        "problem_id": format_ticket_id(ticket.problem_id) if ticket.problem_id else None,
        "resolution": ticket.resolution,
        "created_at": iso(ticket.created_at),
        "updated_at": iso(ticket.updated_at),
        "first_response_at": iso(ticket.first_response_at),
        "resolved_at": iso(ticket.resolved_at),
        "closed_at": iso(ticket.closed_at),
        "first_response_due": iso(ticket.first_response_due),
        "resolution_due": iso(ticket.resolution_due),
    }


def message_json(message: Message) -> dict[str, Any]:
    return {
        "seq": message.seq,
        "sender": message.sender.value,
        "text": message.text,
        "payload": message.payload,
        "buttons": [{"label": b.label, "payload": b.payload} for b in message.buttons],
        "internal": message.internal,
        "agent_id": message.agent_id,
        "attachments": [attachment_json(a) for a in message.attachments],
        "created_at": iso(message.created_at),
    }


def attachment_json(attachment: Attachment) -> dict[str, Any]:
    """A file as agents see it: ``url`` is fetched with the agent's session."""
    url = f"/api/agent/attachments/{attachment.id}"
    return {
        "id": attachment.id,
        "name": attachment.name,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "url": url,
        "thumbnail_url": f"{url}?thumbnail=1" if attachment.thumbnail_key else None,
    }


def event_json(event: TicketEvent) -> dict[str, Any]:
    return {
        "actor": event.actor,
        "kind": event.kind,
        "old": event.old,
        "new": event.new,
        "detail": event.detail,
        "created_at": iso(event.created_at),
    }


def csat_json(csat: CsatResponse | None) -> dict[str, Any] | None:
    if csat is None:
        return None
    return {"score": csat.score, "comment": csat.comment, "created_at": iso(csat.created_at)}


def ticket_json(details: TicketDetails) -> dict[str, Any]:
    data = ticket_summary(details.ticket, details.assignee)
    data.update(
        customer=customer_json(details.customer, details.organisation),
        language=details.customer.language,  # the customer's: replies go out in it
        messages=[message_json(m) for m in details.messages],
        events=[event_json(e) for e in details.events],
        csat=csat_json(details.csat),
        history=[ticket_summary(t) for t in details.history],
        tags=details.tags,
        problem=data["problem_id"],
        merged_into=_public(details.links.get("merged_into")),
        follow_up_of=_public(details.links.get("follow_up_of")),
        merged=[format_ticket_id(i) for i in details.merged],
    )
    return data


def _public(ticket_id: int | None) -> str | None:
    return format_ticket_id(ticket_id) if ticket_id is not None else None
