"""A turn's conversation with its customer and current ticket, in one statement: what the
engine reads for every customer message (by conversation id, or by the channel's address)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from models import ChannelKind, Conversation, Customer, Message, NotFound, Ticket

from . import rows
from . import tables as t
from .direct import hot

Turn = tuple[Conversation, Customer, Ticket | None]

_TURN_COLUMNS = (
    [c.label(f"v_{c.name}") for c in t.conversations.c]
    + [c.label(f"c_{c.name}") for c in t.customers.c]
    + [c.label(f"t_{c.name}") for c in t.tickets.c]
)
_TURN = hot(
    select(*_TURN_COLUMNS)
    .select_from(
        t.conversations.join(
            t.customers, t.customers.c.id == t.conversations.c.customer_id
        ).outerjoin(t.tickets, t.tickets.c.id == t.conversations.c.ticket_id)
    )
    .where(t.conversations.c.id == bindparam("id"))
)
_TURN_FOR_UPDATE = hot(_TURN.with_for_update(of=t.conversations))
_TURN_AT = hot(
    select(*_TURN_COLUMNS)
    .select_from(
        t.conversations.join(
            t.customers, t.customers.c.id == t.conversations.c.customer_id
        ).outerjoin(t.tickets, t.tickets.c.id == t.conversations.c.ticket_id)
    )
    .where(
        t.conversations.c.channel == bindparam("channel"),
        t.conversations.c.address == bindparam("address"),
    )
    .order_by(t.conversations.c.id.desc())
    .limit(1)
)
_TURN_AT_FOR_UPDATE = hot(_TURN_AT.with_for_update(of=t.conversations))


_TAKE_MESSAGE = hot(
    update(t.messages)
    .where(t.messages.c.id == bindparam("_id"), t.messages.c.processed_at.is_(None))
    .values(processed_at=bindparam("now"))
    .returning(*t.messages.c)
)


# Where each table's columns sit in a turn's row (read by position: a message's hot path).
_NAMES = [tuple(c.name for c in table.c) for table in (t.conversations, t.customers, t.tickets)]
_SPLIT = (len(_NAMES[0]), len(_NAMES[0]) + len(_NAMES[1]))


class TurnRepository:
    """``uow.turns``: on PostgreSQL the conversation row is locked for the transaction."""

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def of_conversation(self, conversation_id: int) -> Turn:
        """The conversation, its customer and its current ticket."""
        postgres = self.conn.dialect.name == "postgresql"
        query = _TURN_FOR_UPDATE if postgres else _TURN
        found = _turn((await self.conn.execute(query, {"id": conversation_id})).first())
        if found is None:
            raise NotFound(f"conversation {conversation_id} does not exist")
        return found

    async def take(self, message_id: int, now: datetime) -> Message | None:
        """Mark a message processed and return it in one statement; ``None`` if it was."""
        found = await self.conn.execute(_TAKE_MESSAGE, {"_id": message_id, "now": now})
        row = found.mappings().first()
        return rows.message(row) if row is not None else None

    async def at(self, channel: ChannelKind, address: str) -> Turn | None:
        """The latest conversation at this address, its customer and current ticket."""
        postgres = self.conn.dialect.name == "postgresql"
        query = _TURN_AT_FOR_UPDATE if postgres else _TURN_AT
        params = {"channel": channel.value, "address": address}
        return _turn((await self.conn.execute(query, params)).first())


def _turn(row: Any) -> Turn | None:
    if row is None:
        return None
    a, b = _SPLIT
    conversation, customer, ticket = (
        dict(zip(_NAMES[0], row[:a], strict=True)),
        dict(zip(_NAMES[1], row[a:b], strict=True)),
        dict(zip(_NAMES[2], row[b:], strict=True)),
    )
    return (
        rows.conversation(conversation),  # type: ignore[arg-type]
        rows.customer(customer),  # type: ignore[arg-type]
        rows.ticket(ticket) if ticket["id"] is not None else None,  # type: ignore[arg-type]
    )
