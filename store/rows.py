"""Mapping between table rows and domain entities, in one place."""

from __future__ import annotations

from typing import Any

from sqlalchemy import RowMapping

from models import (
    Agent,
    AgentRole,
    Button,
    ChannelKind,
    Conversation,
    ConversationState,
    CsatResponse,
    Customer,
    Direction,
    Message,
    Priority,
    SenderKind,
    Ticket,
    TicketEvent,
    TicketStatus,
    TicketType,
)

from .dialogues import dialogue_from_json


def customer(row: RowMapping) -> Customer:
    return Customer(
        id=row["id"],
        channel=ChannelKind(row["channel"]),
        external_id=row["external_id"],
        display_name=row["display_name"],
        email=row["email"],
        email_verified=bool(row["email_verified"]),
        language=row["language"],
        person_id=row["person_id"],
        created_at=row["created_at"],
    )


def conversation(row: RowMapping) -> Conversation:
    return Conversation(
        id=row["id"],
        channel=ChannelKind(row["channel"]),
        customer_id=row["customer_id"],
        address=row["address"],
        state=ConversationState(row["state"]),
        ticket_id=row["ticket_id"],
        dialogue=dialogue_from_json(row["dialogue"]),
        delivery_blocked=row["delivery_blocked"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        client=row["client"],
    )


def buttons_to_json(buttons: tuple[Button, ...]) -> list[dict[str, str]] | None:
    return [{"label": b.label, "payload": b.payload} for b in buttons] or None


def buttons_from_json(value: Any) -> tuple[Button, ...]:
    return tuple(Button(label=b["label"], payload=b["payload"]) for b in value or ())


def message(row: RowMapping) -> Message:
    return Message(
        id=row["id"],
        conversation_id=row["conversation_id"],
        seq=row["seq"],
        direction=Direction(row["direction"]),
        sender=SenderKind(row["sender"]),
        text=row["text"],
        buttons=buttons_from_json(row["buttons"]),
        payload=row["payload"],
        internal=bool(row["internal"]),
        agent_id=row["agent_id"],
        ticket_id=row["ticket_id"],
        platform_message_id=row["platform_message_id"],
        created_at=row["created_at"],
    )


# problem_id is not here: only the conditional link in store/problems.py sets it, so saving a
# ticket loaded before a concurrent link can never undo the link.
TICKET_MUTABLE = (
    "description",
    "type",
    "priority",
    "intent",
    "confidence",
    "status",
    "assignee_id",
    "team",
    "resolution",
    "auto_fulfilled",
    "escalated",
    "first_response_at",
    "bot_first_response_at",
    "resolved_at",
    "closed_at",
    "first_response_due",
    "resolution_due",
    "updated_at",
)


def ticket(row: RowMapping) -> Ticket:
    return Ticket(
        id=row["id"],
        conversation_id=row["conversation_id"],
        customer_id=row["customer_id"],
        channel=ChannelKind(row["channel"]),
        description=row["description"],
        type=TicketType(row["type"]),
        priority=Priority(row["priority"]),
        intent=row["intent"],
        confidence=row["confidence"],
        status=TicketStatus(row["status"]),
        assignee_id=row["assignee_id"],
        team=row["team"],
        resolution=row["resolution"],
        auto_fulfilled=bool(row["auto_fulfilled"]),
        escalated=bool(row["escalated"]),
        problem_id=row["problem_id"],
        created_at=row["created_at"],
        first_response_at=row["first_response_at"],
        bot_first_response_at=row["bot_first_response_at"],
        resolved_at=row["resolved_at"],
        closed_at=row["closed_at"],
        first_response_due=row["first_response_due"],
        resolution_due=row["resolution_due"],
        updated_at=row["updated_at"],
    )


def ticket_values(t: Ticket) -> dict[str, Any]:
    values: dict[str, Any] = {name: getattr(t, name) for name in TICKET_MUTABLE}
    for enum_field in ("type", "priority", "status"):
        values[enum_field] = values[enum_field].value
    return values


def event(row: RowMapping) -> TicketEvent:
    return TicketEvent(
        id=row["id"],
        ticket_id=row["ticket_id"],
        actor=row["actor"],
        kind=row["kind"],
        old=row["old"],
        new=row["new"],
        detail=row["detail"],
        created_at=row["created_at"],
    )


def agent(row: RowMapping) -> Agent:
    return Agent(
        id=row["id"],
        email=row["email"],
        name=row["name"],
        role=AgentRole(row["role"]),
        password_hash=row["password_hash"],
        skills=tuple(row["skills"] or ()),
        teams=tuple(row["teams"] or ()),
        capacity=row["capacity"],
        active=bool(row["active"]),
        online=bool(row["online"]),
        created_at=row["created_at"],
    )


def csat(row: RowMapping) -> CsatResponse:
    return CsatResponse(
        id=row["id"],
        ticket_id=row["ticket_id"],
        score=row["score"],
        comment=row["comment"],
        created_at=row["created_at"],
    )
