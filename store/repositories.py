"""Repositories of customers, conversations and messages. Repositories are the only code that
writes SQL; each works on the connection of one unit of work."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from models import (
    ChannelKind,
    Conflict,
    Conversation,
    Customer,
    Direction,
    DuplicateMessage,
    Message,
    NotFound,
    SenderKind,
    Ticket,
    language_code,
)

from . import repository_statements as q
from . import rows
from . import tables as t
from .attachments import messages_with_files, with_files
from .dialogues import dialogue_to_json


class _Repo:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn


class CustomerRepository(_Repo):
    async def get(self, customer_id: int) -> Customer:
        row = (await self.conn.execute(q.CUSTOMER_BY_ID, {"id": customer_id})).mappings().first()
        if row is None:
            raise NotFound(f"customer {customer_id} does not exist")
        return rows.customer(row)

    async def find(self, channel: ChannelKind, external_id: str) -> Customer | None:
        params = {"channel": channel.value, "external_id": external_id}
        row = (await self.conn.execute(q.CUSTOMER_BY_EXTERNAL, params)).mappings().first()
        return rows.customer(row) if row else None

    async def get_or_create(
        self,
        channel: ChannelKind,
        external_id: str,
        now: datetime,
        display_name: str = "",
        language: str | None = None,
    ) -> Customer:
        """The identity for this platform user, creating it on first contact.

        The display name follows the platform: people rename themselves. The platform's locale
        is the language until the customer writes: then the language they write in wins
        (``set_language``), and the locale no longer overwrites it.
        """
        existing = await self.find(channel, external_id)
        if existing is not None:
            await self.follow_profile(existing, display_name)
            return existing
        customer = Customer(
            id=0,
            channel=channel,
            external_id=external_id,
            display_name=display_name,
            language=language_code(language) or "en",  # Discord's "en-US" is stored "en"
            created_at=now,
        )
        try:
            result = await self.conn.execute(
                q.INSERT_CUSTOMER,
                {
                    "channel": channel.value,
                    "external_id": external_id,
                    "display_name": display_name,
                    "language": customer.language,
                    "email_verified": False,
                    "created_at": now,
                },
            )
        except IntegrityError as exc:  # another process created this identity a moment ago
            raise Conflict(f"{channel.value} user {external_id} was created concurrently") from exc
        customer.id = result.scalar_one()
        return customer

    async def follow_profile(self, customer: Customer, display_name: str = "") -> None:
        """Keep the platform's display name (people rename themselves)."""
        if display_name and display_name != customer.display_name:
            customer.display_name = display_name
            query = update(t.customers).where(t.customers.c.id == customer.id)
            await self.conn.execute(query.values(display_name=display_name))

    async def set_language(self, customer_id: int, language: str) -> None:
        """The language the customer writes in (ISO 639-1, detected from their messages)."""
        await self.conn.execute(
            update(t.customers).where(t.customers.c.id == customer_id).values(language=language)
        )

    async def set_email(self, customer_id: int, email: str, verified: bool) -> None:
        await self.conn.execute(
            update(t.customers)
            .where(t.customers.c.id == customer_id)
            .values(email=email, email_verified=verified)
        )

    async def link_person(self, customer_id: int, person_id: int) -> None:
        await self.conn.execute(
            update(t.customers).where(t.customers.c.id == customer_id).values(person_id=person_id)
        )

    async def identities(self, customer: Customer) -> list[int]:
        """Ids of every identity of the same person (verified email links them)."""
        if customer.person_id is None:
            return [customer.id]
        query = select(t.customers.c.id).where(t.customers.c.person_id == customer.person_id)
        return list((await self.conn.execute(query)).scalars())


class ConversationRepository(_Repo):
    async def get(self, conversation_id: int) -> Conversation:
        found = await self.conn.execute(q.CONVERSATION_BY_ID, {"id": conversation_id})
        row = found.mappings().first()
        if row is None:
            raise NotFound(f"conversation {conversation_id} does not exist")
        return rows.conversation(row)

    async def current(self, channel: ChannelKind, address: str) -> Conversation | None:
        """The latest conversation at this address (a chat, a thread, a web-chat session)."""
        params = {"channel": channel.value, "address": address}
        row = (await self.conn.execute(q.CURRENT_CONVERSATION, params)).mappings().first()
        return rows.conversation(row) if row else None

    async def add(
        self, conversation: Conversation, now: datetime, access_token_hash: str | None = None
    ) -> Conversation:
        values: dict[str, Any] = {
            "channel": conversation.channel.value,
            "customer_id": conversation.customer_id,
            "address": conversation.address,
            "state": conversation.state.value,
            "ticket_id": conversation.ticket_id,
            "last_seq": 0,
            "access_token_hash": access_token_hash,
            "client": conversation.client[:64] if conversation.client else None,
            "created_at": now,
            "updated_at": now,
        }
        if conversation.dialogue is not None:  # left out, no dialogue is SQL NULL, not JSON null
            values["dialogue"] = dialogue_to_json(conversation.dialogue)
        result = await self.conn.execute(q.INSERT_CONVERSATION, values)
        conversation.id = result.scalar_one()
        conversation.created_at = conversation.updated_at = now
        return conversation

    async def save(self, conversation: Conversation, now: datetime) -> None:
        conversation.updated_at = now
        await self.conn.execute(
            q.UPDATE_CONVERSATION,
            {
                "_id": conversation.id,
                "state": conversation.state.value,
                "ticket_id": conversation.ticket_id,
                "dialogue": dialogue_to_json(conversation.dialogue),
                "delivery_blocked": conversation.delivery_blocked,
                "updated_at": now,
            },
        )

    async def access_token_hash(self, channel: ChannelKind, address: str) -> tuple[int, str] | None:
        params = {"channel": channel.value, "address": address}
        row = (await self.conn.execute(q.TOKEN_HASH, params)).first()
        return (row[0], row[1]) if row and row[1] else None

    async def next_seq(self, conversation_id: int) -> int:
        """Reserve the next message number; the row lock keeps it gap-free and ordered."""
        result = await self.conn.execute(q.NEXT_SEQ, {"_id": conversation_id})
        return int(result.scalar_one())


class MessageRepository(_Repo):
    async def add(
        self,
        message: Message,
        channel: ChannelKind,
        now: datetime,
        processed: bool = True,
        claimed_until: datetime | None = None,
    ) -> Message:
        """Store ``message`` (its id and seq are assigned here) and return it stored.

        An unprocessed message is leased to the caller until ``claimed_until`` (see
        :meth:`claim`); without a lease any process's sweep may take it at once.

        Raises :class:`DuplicateMessage` for a platform message id seen before on the channel.
        """
        pid = message.platform_message_id  # a redelivery breaks the unique key: see below
        values = {
            "conversation_id": message.conversation_id,
            "channel": channel.value,
            "direction": message.direction.value,
            "sender": message.sender.value,
            "text": message.text,
            "buttons": rows.buttons_to_json(message.buttons),
            "payload": message.payload,
            "internal": message.internal,
            "agent_id": message.agent_id,
            "ticket_id": message.ticket_id,
            "platform_message_id": pid,
            "processed_at": now if processed else None,
            "claimed_until": None if processed else claimed_until,
            "created_at": now,
        }
        try:
            if self.conn.dialect.name == "postgresql":  # numbered and stored in one statement
                numbered = {f"new_{name}": value for name, value in values.items()}
                found = await self.conn.execute(q.INSERT_MESSAGE_NUMBERED, numbered)
                message.id, message.seq = found.one()
            else:
                seq = await ConversationRepository(self.conn).next_seq(message.conversation_id)
                found = await self.conn.execute(q.INSERT_MESSAGE, {**values, "seq": seq})
                message.id, message.seq = found.scalar_one(), seq
        except IntegrityError as exc:  # a concurrent process stored the same update first
            raise DuplicateMessage(pid or "") from exc
        message.created_at = now
        return message

    async def get(self, message_id: int) -> Message:
        row = (await self.conn.execute(q.MESSAGE_BY_ID, {"id": message_id})).mappings().first()
        if row is None:
            raise NotFound(f"message {message_id} does not exist")
        return rows.message(row)

    async def is_processed(self, message_id: int) -> bool:
        found = await self.conn.execute(q.MESSAGE_PROCESSED_AT, {"id": message_id})
        return found.scalar_one_or_none() is not None

    async def mark_processed(self, message_id: int, now: datetime) -> bool:
        """Mark the message processed; False when it already was (by this or another process).

        One conditional UPDATE: of two transactions processing the same message, the second
        waits for the first's row lock, then finds it processed and must do nothing, so a
        message is never answered twice whoever claimed it.
        """
        result = await self.conn.execute(q.MARK_PROCESSED, {"_id": message_id, "_now": now})
        return bool(result.rowcount)

    async def claim(
        self, now: datetime, until: datetime, limit: int = 500
    ) -> list[tuple[int, int]]:
        """Lease inbound messages left unprocessed past their lease to the caller until
        ``until``; (message id, conversation id), oldest first.

        One UPDATE ... RETURNING, the candidates locked with FOR UPDATE SKIP LOCKED on
        PostgreSQL (SQLite has one writer at a time): of several processes sweeping at once,
        each message goes to one of them.
        """
        candidates = (
            select(t.messages.c.id)
            .where(
                t.messages.c.direction == Direction.INBOUND.value,
                t.messages.c.processed_at.is_(None),
                or_(t.messages.c.claimed_until.is_(None), t.messages.c.claimed_until <= now),
            )
            .order_by(t.messages.c.id)
            .limit(limit)
        )
        if self.conn.dialect.name == "postgresql":
            candidates = candidates.with_for_update(skip_locked=True)
        claim = (
            update(t.messages)
            .where(t.messages.c.id.in_(candidates.scalar_subquery()))
            .values(claimed_until=until)
            .returning(t.messages.c.id, t.messages.c.conversation_id)
        )
        return sorted((r[0], r[1]) for r in (await self.conn.execute(claim)).all())

    async def attach_to_ticket(self, message_id: int, ticket_id: int) -> None:
        await self.conn.execute(q.UPDATE_MESSAGE, {"_id": message_id, "ticket_id": ticket_id})

    async def unprocessed(self, limit: int = 1000) -> list[tuple[int, int]]:
        """(message id, conversation id) of inbound messages not yet handled, oldest first."""
        query = (
            select(t.messages.c.id, t.messages.c.conversation_id)
            .where(
                t.messages.c.direction == Direction.INBOUND.value,
                t.messages.c.processed_at.is_(None),
            )
            .order_by(t.messages.c.id)
            .limit(limit)
        )
        return [(r[0], r[1]) for r in (await self.conn.execute(query)).all()]

    async def in_conversation(
        self,
        conversation_id: int,
        after_seq: int = 0,
        include_internal: bool = False,
        limit: int = 500,
    ) -> list[Message]:
        query = q.IN_CONVERSATION_FILES if include_internal else q.IN_CONVERSATION_PUBLIC_FILES
        params = {"id": conversation_id, "after": after_seq, "limit": limit}
        found = (await self.conn.execute(query, params)).mappings()
        return messages_with_files(found, rows.message)

    async def for_ticket(self, ticket: Ticket, include_internal: bool = True) -> list[Message]:
        """The ticket's transcript: its messages, and the conversation's while it is current."""
        query = select(t.messages).where(
            or_(
                t.messages.c.ticket_id == ticket.id,
                and_(
                    t.messages.c.conversation_id == ticket.conversation_id,
                    t.messages.c.ticket_id.is_(None),
                ),
            )
        )
        if not include_internal:
            query = query.where(t.messages.c.internal.is_(False))
        query = query.order_by(t.messages.c.conversation_id, t.messages.c.seq)
        rows_ = (await self.conn.execute(query)).mappings()
        return await with_files(self.conn, [rows.message(r) for r in rows_])

    async def count_customer_since_reply(self, ticket_id: int) -> int:
        """Customer messages on a ticket after the last agent or bot message (nagging detector)."""
        last_reply = (
            select(func.coalesce(func.max(t.messages.c.seq), 0))
            .where(
                t.messages.c.ticket_id == ticket_id,
                t.messages.c.sender.in_([SenderKind.AGENT.value, SenderKind.BOT.value]),
                t.messages.c.internal.is_(False),
            )
            .scalar_subquery()
        )
        query = select(func.count()).where(
            t.messages.c.ticket_id == ticket_id,
            t.messages.c.sender == SenderKind.CUSTOMER.value,
            t.messages.c.seq > last_reply,
        )
        return int((await self.conn.execute(query)).scalar_one())
