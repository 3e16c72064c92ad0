"""Repositories: the only code that writes SQL. Each works on the connection of one unit of work."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from models import (
    Agent,
    ChannelKind,
    Conflict,
    Conversation,
    CsatResponse,
    Customer,
    Direction,
    DuplicateMessage,
    Message,
    NotFound,
    SenderKind,
    Ticket,
    TicketEvent,
    TicketFilter,
    TicketStatus,
)

from . import rows
from . import tables as t


class _Repo:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn


# Statements on the write path, built once: building a Core expression per call costs more
# than SQLite spends executing it. Parameters are passed at execution.
_CUSTOMER_BY_ID = select(t.customers).where(t.customers.c.id == bindparam("id"))
_CUSTOMER_BY_EXTERNAL = select(t.customers).where(
    t.customers.c.channel == bindparam("channel"),
    t.customers.c.external_id == bindparam("external_id"),
)
_INSERT_CUSTOMER = insert(t.customers).returning(t.customers.c.id)
_CONVERSATION_BY_ID = select(t.conversations).where(t.conversations.c.id == bindparam("id"))
_CURRENT_CONVERSATION = (
    select(t.conversations)
    .where(
        t.conversations.c.channel == bindparam("channel"),
        t.conversations.c.address == bindparam("address"),
    )
    .order_by(t.conversations.c.id.desc())
    .limit(1)
)
_INSERT_CONVERSATION = insert(t.conversations).returning(t.conversations.c.id)
_UPDATE_CONVERSATION = update(t.conversations).where(t.conversations.c.id == bindparam("_id"))
_NEXT_SEQ = (
    update(t.conversations)
    .where(t.conversations.c.id == bindparam("_id"))
    .values(last_seq=t.conversations.c.last_seq + 1)
    .returning(t.conversations.c.last_seq)
)
_INSERT_MESSAGE = insert(t.messages).returning(t.messages.c.id)
_MESSAGE_BY_ID = select(t.messages).where(t.messages.c.id == bindparam("id"))
_MESSAGE_BY_PLATFORM_ID = select(t.messages.c.id).where(
    t.messages.c.channel == bindparam("channel"),
    t.messages.c.platform_message_id == bindparam("pid"),
)
_MESSAGE_PROCESSED_AT = select(t.messages.c.processed_at).where(t.messages.c.id == bindparam("id"))
_UPDATE_MESSAGE = update(t.messages).where(t.messages.c.id == bindparam("_id"))
_INSERT_TICKET = insert(t.tickets).returning(t.tickets.c.id)
_TICKET_BY_ID = select(t.tickets).where(t.tickets.c.id == bindparam("id"))
_UPDATE_TICKET = update(t.tickets).where(t.tickets.c.id == bindparam("_id"))
_INSERT_EVENT = insert(t.ticket_events)
_INSERT_OUTBOX = insert(t.outbox).returning(t.outbox.c.id)
_UPDATE_OUTBOX = update(t.outbox).where(t.outbox.c.id == bindparam("_id"))


class CustomerRepository(_Repo):
    async def get(self, customer_id: int) -> Customer:
        row = (await self.conn.execute(_CUSTOMER_BY_ID, {"id": customer_id})).mappings().first()
        if row is None:
            raise NotFound(f"customer {customer_id} does not exist")
        return rows.customer(row)

    async def find(self, channel: ChannelKind, external_id: str) -> Customer | None:
        params = {"channel": channel.value, "external_id": external_id}
        row = (await self.conn.execute(_CUSTOMER_BY_EXTERNAL, params)).mappings().first()
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

        The display name and language follow the platform: people rename themselves.
        """
        existing = await self.find(channel, external_id)
        if existing is not None:
            changes: dict[str, Any] = {}
            if display_name and display_name != existing.display_name:
                changes["display_name"] = existing.display_name = display_name
            if language and language != existing.language:
                changes["language"] = existing.language = language
            if changes:
                await self.conn.execute(
                    update(t.customers).where(t.customers.c.id == existing.id).values(**changes)
                )
            return existing
        customer = Customer(
            id=0,
            channel=channel,
            external_id=external_id,
            display_name=display_name,
            language=language or "en",
            created_at=now,
        )
        try:
            result = await self.conn.execute(
                _INSERT_CUSTOMER,
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
        found = await self.conn.execute(_CONVERSATION_BY_ID, {"id": conversation_id})
        row = found.mappings().first()
        if row is None:
            raise NotFound(f"conversation {conversation_id} does not exist")
        return rows.conversation(row)

    async def current(self, channel: ChannelKind, address: str) -> Conversation | None:
        """The latest conversation at this address (a chat, a thread, a web-chat session)."""
        params = {"channel": channel.value, "address": address}
        row = (await self.conn.execute(_CURRENT_CONVERSATION, params)).mappings().first()
        return rows.conversation(row) if row else None

    async def add(
        self, conversation: Conversation, now: datetime, access_token_hash: str | None = None
    ) -> Conversation:
        result = await self.conn.execute(
            insert(t.conversations)
            .values(
                channel=conversation.channel.value,
                customer_id=conversation.customer_id,
                address=conversation.address,
                state=conversation.state.value,
                ticket_id=conversation.ticket_id,
                dialogue=conversation.dialogue,
                last_seq=0,
                access_token_hash=access_token_hash,
                created_at=now,
                updated_at=now,
            )
            .returning(t.conversations.c.id)
        )
        conversation.id = result.scalar_one()
        conversation.created_at = conversation.updated_at = now
        return conversation

    async def save(self, conversation: Conversation, now: datetime) -> None:
        conversation.updated_at = now
        await self.conn.execute(
            _UPDATE_CONVERSATION,
            {
                "_id": conversation.id,
                "state": conversation.state.value,
                "ticket_id": conversation.ticket_id,
                "dialogue": conversation.dialogue,
                "delivery_blocked": conversation.delivery_blocked,
                "updated_at": now,
            },
        )

    async def access_token_hash(self, channel: ChannelKind, address: str) -> tuple[int, str] | None:
        query = (
            select(t.conversations.c.id, t.conversations.c.access_token_hash)
            .where(t.conversations.c.channel == channel.value, t.conversations.c.address == address)
            .order_by(t.conversations.c.id.desc())
            .limit(1)
        )
        row = (await self.conn.execute(query)).first()
        return (row[0], row[1]) if row and row[1] else None

    async def next_seq(self, conversation_id: int) -> int:
        """Reserve the next message number; the row lock keeps it gap-free and ordered."""
        result = await self.conn.execute(_NEXT_SEQ, {"_id": conversation_id})
        return int(result.scalar_one())


class MessageRepository(_Repo):
    async def add(
        self, message: Message, channel: ChannelKind, now: datetime, processed: bool = True
    ) -> Message:
        """Store ``message`` (its id and seq are assigned here) and return it stored.

        Raises :class:`DuplicateMessage` for a platform message id seen before on the channel.
        """
        pid = message.platform_message_id
        if pid is not None and await self.platform_id_exists(channel, pid):
            raise DuplicateMessage(pid)
        seq = await ConversationRepository(self.conn).next_seq(message.conversation_id)
        try:
            result = await self.conn.execute(
                _INSERT_MESSAGE,
                {
                    "conversation_id": message.conversation_id,
                    "seq": seq,
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
                    "created_at": now,
                },
            )
        except IntegrityError as exc:  # a concurrent process stored the same update first
            raise DuplicateMessage(pid or "") from exc
        message.id = result.scalar_one()
        message.seq = seq
        message.created_at = now
        return message

    async def platform_id_exists(self, channel: ChannelKind, platform_message_id: str) -> bool:
        params = {"channel": channel.value, "pid": platform_message_id}
        return (await self.conn.execute(_MESSAGE_BY_PLATFORM_ID, params)).first() is not None

    async def get(self, message_id: int) -> Message:
        row = (await self.conn.execute(_MESSAGE_BY_ID, {"id": message_id})).mappings().first()
        if row is None:
            raise NotFound(f"message {message_id} does not exist")
        return rows.message(row)

    async def is_processed(self, message_id: int) -> bool:
        found = await self.conn.execute(_MESSAGE_PROCESSED_AT, {"id": message_id})
        return found.scalar_one_or_none() is not None

    async def mark_processed(self, message_id: int, now: datetime) -> None:
        await self.conn.execute(_UPDATE_MESSAGE, {"_id": message_id, "processed_at": now})

    async def attach_to_ticket(self, message_id: int, ticket_id: int) -> None:
        await self.conn.execute(_UPDATE_MESSAGE, {"_id": message_id, "ticket_id": ticket_id})

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
        query = select(t.messages).where(
            t.messages.c.conversation_id == conversation_id, t.messages.c.seq > after_seq
        )
        if not include_internal:
            query = query.where(t.messages.c.internal.is_(False))
        query = query.order_by(t.messages.c.seq).limit(limit)
        return [rows.message(r) for r in (await self.conn.execute(query)).mappings()]

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
        return [rows.message(r) for r in (await self.conn.execute(query)).mappings()]

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


class TicketRepository(_Repo):
    async def add(self, ticket: Ticket) -> Ticket:
        values = rows.ticket_values(ticket)
        values.update(
            conversation_id=ticket.conversation_id,
            customer_id=ticket.customer_id,
            channel=ticket.channel.value,
            created_at=ticket.created_at,
            resolution_count=0,
        )
        result = await self.conn.execute(_INSERT_TICKET, values)
        ticket.id = result.scalar_one()
        return ticket

    async def get(self, ticket_id: int, for_update: bool = False) -> Ticket:
        query = _TICKET_BY_ID
        if for_update and self.conn.dialect.name == "postgresql":
            query = query.with_for_update()
        row = (await self.conn.execute(query, {"id": ticket_id})).mappings().first()
        if row is None:
            from models import format_ticket_id

            raise NotFound(f"ticket {format_ticket_id(ticket_id)} does not exist")
        return rows.ticket(row)

    async def save(self, ticket: Ticket) -> None:
        await self.conn.execute(_UPDATE_TICKET, {"_id": ticket.id, **rows.ticket_values(ticket)})

    async def bump_resolution_round(self, ticket_id: int) -> int:
        result = await self.conn.execute(
            update(t.tickets)
            .where(t.tickets.c.id == ticket_id)
            .values(resolution_count=t.tickets.c.resolution_count + 1)
            .returning(t.tickets.c.resolution_count)
        )
        return int(result.scalar_one())

    async def resolution_round(self, ticket_id: int) -> int:
        query = select(t.tickets.c.resolution_count).where(t.tickets.c.id == ticket_id)
        return int((await self.conn.execute(query)).scalar_one())

    async def list(self, flt: TicketFilter) -> list[Ticket]:
        query = select(t.tickets)
        if flt.statuses:
            query = query.where(t.tickets.c.status.in_([s.value for s in flt.statuses]))
        if flt.open_only:
            closed = [TicketStatus.RESOLVED.value, TicketStatus.CLOSED.value]
            query = query.where(t.tickets.c.status.not_in(closed))
        if flt.assignee_id is not None:
            query = query.where(t.tickets.c.assignee_id == flt.assignee_id)
        if flt.unassigned:
            query = query.where(t.tickets.c.assignee_id.is_(None))
        if flt.type:
            query = query.where(t.tickets.c.type == flt.type)
        if flt.priority:
            query = query.where(t.tickets.c.priority == flt.priority)
        if flt.team:
            query = query.where(t.tickets.c.team == flt.team)
        if flt.channel:
            query = query.where(t.tickets.c.channel == flt.channel)
        if flt.customer_ids:
            query = query.where(t.tickets.c.customer_id.in_(list(flt.customer_ids)))
        if flt.ids is not None:
            query = query.where(t.tickets.c.id.in_(list(flt.ids)))
        if flt.tag:
            tg = t.ticket_tags
            query = query.where(
                t.tickets.c.id.in_(select(tg.c.ticket_id).where(tg.c.tag == flt.tag))
            )
        query = query.order_by(t.tickets.c.id.desc()).limit(flt.limit)
        return [rows.ticket(r) for r in (await self.conn.execute(query)).mappings()]

    async def open_count_by_assignee(self) -> dict[int, int]:
        closed = [TicketStatus.RESOLVED.value, TicketStatus.CLOSED.value]
        query = (
            select(t.tickets.c.assignee_id, func.count())
            .where(t.tickets.c.assignee_id.is_not(None), t.tickets.c.status.not_in(closed))
            .group_by(t.tickets.c.assignee_id)
        )
        return {r[0]: int(r[1]) for r in (await self.conn.execute(query)).all()}


class EventRepository(_Repo):
    async def add(self, event: TicketEvent) -> None:
        await self.conn.execute(
            _INSERT_EVENT,
            {
                "ticket_id": event.ticket_id,
                "actor": event.actor,
                "kind": event.kind,
                "old": event.old,
                "new": event.new,
                "detail": event.detail,
                "created_at": event.created_at,
            },
        )

    async def add_all(self, events: Sequence[TicketEvent]) -> None:
        for event in events:
            await self.add(event)

    async def for_ticket(self, ticket_id: int) -> list[TicketEvent]:
        query = (
            select(t.ticket_events)
            .where(t.ticket_events.c.ticket_id == ticket_id)
            .order_by(t.ticket_events.c.id)
        )
        return [rows.event(r) for r in (await self.conn.execute(query)).mappings()]


class AgentRepository(_Repo):
    async def add(self, agent: Agent, now: datetime) -> Agent:
        try:
            result = await self.conn.execute(
                insert(t.agents)
                .values(
                    email=agent.email,
                    name=agent.name,
                    role=agent.role.value,
                    password_hash=agent.password_hash,
                    skills=list(agent.skills),
                    teams=list(agent.teams),
                    capacity=agent.capacity,
                    active=agent.active,
                    online=False,
                    created_at=now,
                )
                .returning(t.agents.c.id)
            )
        except IntegrityError as exc:
            from models import ValidationError

            raise ValidationError(f"an agent with email {agent.email} already exists") from exc
        agent.id = result.scalar_one()
        agent.created_at = now
        return agent

    async def get(self, agent_id: int) -> Agent:
        row = (
            (await self.conn.execute(select(t.agents).where(t.agents.c.id == agent_id)))
            .mappings()
            .first()
        )
        if row is None:
            raise NotFound(f"agent {agent_id} does not exist")
        return rows.agent(row)

    async def by_email(self, email: str) -> Agent | None:
        query = select(t.agents).where(func.lower(t.agents.c.email) == email.strip().lower())
        row = (await self.conn.execute(query)).mappings().first()
        return rows.agent(row) if row else None

    async def list(self) -> list[Agent]:
        query = select(t.agents).order_by(t.agents.c.id)
        return [rows.agent(r) for r in (await self.conn.execute(query)).mappings()]

    async def set_online(self, agent_id: int, online: bool, now: datetime) -> None:
        await self.conn.execute(
            update(t.agents)
            .where(t.agents.c.id == agent_id)
            .values(online=online, last_seen_at=now)
        )

    async def save(self, agent: Agent) -> None:
        await self.conn.execute(
            update(t.agents)
            .where(t.agents.c.id == agent.id)
            .values(
                name=agent.name,
                role=agent.role.value,
                password_hash=agent.password_hash,
                skills=list(agent.skills),
                teams=list(agent.teams),
                capacity=agent.capacity,
                active=agent.active,
            )
        )


@dataclass(frozen=True, slots=True)
class OutboxItem:
    id: int
    channel: str
    address: str
    conversation_id: int | None
    message_id: int | None
    body: dict[str, Any]
    attempts: int


REDACTED = {"redacted": "the body was removed after the last delivery attempt"}


class OutboxRepository(_Repo):
    """The single queue of everything the front desk sends (chat messages, mails)."""

    async def add(
        self,
        channel: str,
        address: str,
        body: dict[str, Any],
        now: datetime,
        conversation_id: int | None = None,
        message_id: int | None = None,
    ) -> int:
        result = await self.conn.execute(
            _INSERT_OUTBOX,
            {
                "channel": channel,
                "address": address,
                "body": body,
                "conversation_id": conversation_id,
                "message_id": message_id,
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
            },
        )
        return int(result.scalar_one())

    async def due(
        self, now: datetime, channels: Sequence[str], limit: int = 100
    ) -> list[OutboxItem]:
        query = (
            select(t.outbox)
            .where(
                t.outbox.c.status == "pending",
                t.outbox.c.next_attempt_at <= now,
                t.outbox.c.channel.in_(list(channels)),
            )
            .order_by(t.outbox.c.id)
            .limit(limit)
        )
        return [
            OutboxItem(
                id=r["id"],
                channel=r["channel"],
                address=r["address"],
                conversation_id=r["conversation_id"],
                message_id=r["message_id"],
                body=r["body"],
                attempts=r["attempts"],
            )
            for r in (await self.conn.execute(query)).mappings()
        ]

    async def claim(self, item_id: int, now: datetime, lease_until: datetime) -> bool:
        """Take an item for one delivery attempt; False if another worker has it.

        The lease (``next_attempt_at`` moved ahead) is what makes several processes safe:
        a worker that dies mid-send leaves the item to be retried when the lease ends.
        """
        result = await self.conn.execute(
            update(t.outbox)
            .where(
                t.outbox.c.id == item_id,
                t.outbox.c.status == "pending",
                t.outbox.c.next_attempt_at <= now,
            )
            .values(next_attempt_at=lease_until, attempts=t.outbox.c.attempts + 1)
        )
        return bool(result.rowcount)

    async def mark_sent(self, item_id: int, now: datetime, redact: bool = False) -> None:
        """``redact``: drop the body once delivered (mails carry one-time codes and links)."""
        values: dict[str, Any] = {"status": "sent", "sent_at": now}
        if redact:
            values["body"] = REDACTED
        await self.conn.execute(_UPDATE_OUTBOX, {"_id": item_id, **values})

    async def retry_at(self, item_id: int, when: datetime, error: str) -> None:
        await self.conn.execute(
            update(t.outbox)
            .where(t.outbox.c.id == item_id)
            .values(next_attempt_at=when, last_error=error[:2000])
        )

    async def release_attempt(self, item_id: int) -> None:
        """Undo the attempt count of an item that was never tried (it waited its turn)."""
        await self.conn.execute(
            update(t.outbox)
            .where(t.outbox.c.id == item_id)
            .values(attempts=t.outbox.c.attempts - 1)
        )

    async def mark_failed(self, item_id: int, error: str, redact: bool = False) -> None:
        values: dict[str, Any] = {"status": "failed", "last_error": error[:2000]}
        if redact:
            values["body"] = REDACTED
        await self.conn.execute(update(t.outbox).where(t.outbox.c.id == item_id).values(**values))

    async def depth(self) -> int:
        query = select(func.count()).where(t.outbox.c.status == "pending")
        return int((await self.conn.execute(query)).scalar_one())

    async def next_due_at(self, channels: Sequence[str]) -> datetime | None:
        query = select(func.min(t.outbox.c.next_attempt_at)).where(
            t.outbox.c.status == "pending", t.outbox.c.channel.in_(list(channels))
        )
        value = (await self.conn.execute(query)).scalar_one_or_none()
        if value is None:
            return None
        return t.UTCDateTime().process_result_value(value, self.conn.dialect)


class CsatRepository(_Repo):
    async def add(self, response: CsatResponse, resolution_round: int) -> bool:
        """Store a rating; False when this resolution was already rated (kept the first)."""
        exists = select(t.csat_responses.c.id).where(
            t.csat_responses.c.ticket_id == response.ticket_id,
            t.csat_responses.c.resolution_round == resolution_round,
        )
        if (await self.conn.execute(exists)).first() is not None:
            return False
        await self.conn.execute(
            insert(t.csat_responses).values(
                ticket_id=response.ticket_id,
                resolution_round=resolution_round,
                score=response.score,
                comment=response.comment,
                created_at=response.created_at,
            )
        )
        return True

    async def add_comment(self, ticket_id: int, resolution_round: int, comment: str) -> bool:
        result = await self.conn.execute(
            update(t.csat_responses)
            .where(
                t.csat_responses.c.ticket_id == ticket_id,
                t.csat_responses.c.resolution_round == resolution_round,
                t.csat_responses.c.comment.is_(None),
            )
            .values(comment=comment[:2000])
        )
        return bool(result.rowcount)

    async def latest(self, ticket_id: int) -> CsatResponse | None:
        query = (
            select(t.csat_responses)
            .where(t.csat_responses.c.ticket_id == ticket_id)
            .order_by(t.csat_responses.c.resolution_round.desc())
            .limit(1)
        )
        row = (await self.conn.execute(query)).mappings().first()
        return rows.csat(row) if row else None


@dataclass(frozen=True, slots=True)
class TrainingLabel:
    text: str
    source: str
    intent: str | None = None
    type: str | None = None
    priority: str | None = None
    ticket_id: int | None = None
    agent_id: int | None = None
    created_at: datetime | None = None


class TrainingLabelRepository(_Repo):
    """Labels agents set or corrected, and customers' clarifying answers: training data."""

    async def add(self, label: TrainingLabel) -> None:
        await self.conn.execute(
            insert(t.training_labels).values(
                text=label.text,
                intent=label.intent,
                type=label.type,
                priority=label.priority,
                source=label.source,
                ticket_id=label.ticket_id,
                agent_id=label.agent_id,
                created_at=label.created_at,
            )
        )

    async def list(self, since: datetime | None = None) -> list[TrainingLabel]:
        query = select(t.training_labels).order_by(t.training_labels.c.id)
        if since is not None:
            query = query.where(t.training_labels.c.created_at > since)
        return [
            TrainingLabel(
                text=r["text"],
                source=r["source"],
                intent=r["intent"],
                type=r["type"],
                priority=r["priority"],
                ticket_id=r["ticket_id"],
                agent_id=r["agent_id"],
                created_at=r["created_at"],
            )
            for r in (await self.conn.execute(query)).mappings()
        ]
