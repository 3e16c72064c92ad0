"""An in-memory store and unit of work, hand-written, for the engine's and the dialogues' table
tests: the same repository calls the engine makes on SQLite and PostgreSQL, kept in dicts, so a
(customer says -> bot answers) table runs in milliseconds.

Like the real store, a write runs in one transaction (state is restored if it raises), readers
get copies (a change counts only once saved), and after-commit callbacks run after the write.
Only what the engine, the desk and the dialogues use is here; the end-to-end tests on both
databases remain the reference.
"""

from __future__ import annotations

import copy
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from models import (
    ChannelKind,
    Conversation,
    ConversationState,
    CsatResponse,
    Customer,
    Direction,
    DuplicateMessage,
    Message,
    NotFound,
    OutboxBody,
    Ticket,
    TicketEvent,
    TicketFilter,
    language_code,
)

T = TypeVar("T")


@dataclass
class Rows:
    """Everything stored, by table."""

    customers: dict[int, Customer] = field(default_factory=dict)
    conversations: dict[int, Conversation] = field(default_factory=dict)
    messages: dict[int, Message] = field(default_factory=dict)
    processed: set[int] = field(default_factory=set)
    leases: dict[int, datetime] = field(default_factory=dict)
    platform_ids: set[tuple[str, str]] = field(default_factory=set)
    tickets: dict[int, Ticket] = field(default_factory=dict)
    rounds: dict[int, int] = field(default_factory=dict)
    events: list[TicketEvent] = field(default_factory=list)
    outbox: list[tuple[str, str, OutboxBody]] = field(default_factory=list)
    ratings: dict[tuple[int, int], CsatResponse] = field(default_factory=dict)
    comments: dict[tuple[int, int], str] = field(default_factory=dict)
    labels: list[Any] = field(default_factory=list)


class _Repo:
    def __init__(self, rows: Rows) -> None:
        self.rows = rows


class Customers(_Repo):
    async def get(self, customer_id: int) -> Customer:
        if customer_id not in self.rows.customers:
            raise NotFound(f"customer {customer_id} does not exist")
        return copy.deepcopy(self.rows.customers[customer_id])

    async def get_or_create(
        self,
        channel: ChannelKind,
        external_id: str,
        now: datetime,
        display_name: str = "",
        language: str | None = None,
    ) -> Customer:
        for customer in self.rows.customers.values():
            if customer.channel is channel and customer.external_id == external_id:
                return copy.deepcopy(customer)
        customer = Customer(
            len(self.rows.customers) + 1, channel, external_id, display_name,
            language=language_code(language) or "en", created_at=now,
        )  # fmt: skip
        self.rows.customers[customer.id] = customer
        return copy.deepcopy(customer)

    async def follow_profile(self, customer: Customer, display_name: str = "") -> None:
        return None  # the tables' customers never rename themselves

    async def set_language(self, customer_id: int, language: str) -> None:
        self.rows.customers[customer_id].language = language

    async def identities(self, customer: Customer) -> list[int]:
        return [customer.id]


class Conversations(_Repo):
    async def get(self, conversation_id: int) -> Conversation:
        if conversation_id not in self.rows.conversations:
            raise NotFound(f"conversation {conversation_id} does not exist")
        return copy.deepcopy(self.rows.conversations[conversation_id])

    async def current(self, channel: ChannelKind, address: str) -> Conversation | None:
        found = [
            c for c in self.rows.conversations.values()
            if c.channel is channel and c.address == address
        ]  # fmt: skip
        return copy.deepcopy(max(found, key=lambda c: c.id)) if found else None

    async def add(self, conversation: Conversation, now: datetime, **_: Any) -> Conversation:
        conversation.id = len(self.rows.conversations) + 1
        conversation.created_at = conversation.updated_at = now
        self.rows.conversations[conversation.id] = copy.deepcopy(conversation)
        return conversation

    async def save(self, conversation: Conversation, now: datetime) -> None:
        conversation.updated_at = now
        self.rows.conversations[conversation.id] = copy.deepcopy(conversation)


class Turns(_Repo):
    async def take(self, message_id: int, now: datetime) -> Message | None:
        if message_id in self.rows.processed:
            return None
        self.rows.processed.add(message_id)
        return copy.deepcopy(self.rows.messages[message_id])

    async def at(
        self, channel: ChannelKind, address: str
    ) -> tuple[Conversation, Customer, Ticket | None] | None:
        conversation = await Conversations(self.rows).current(channel, address)
        if conversation is None:
            return None
        return await self.of_conversation(conversation.id)

    async def of_conversation(
        self, conversation_id: int
    ) -> tuple[Conversation, Customer, Ticket | None]:
        conversation = await Conversations(self.rows).get(conversation_id)
        customer = copy.deepcopy(self.rows.customers[conversation.customer_id])
        ticket_id = conversation.ticket_id
        ticket = copy.deepcopy(self.rows.tickets[ticket_id]) if ticket_id else None
        return conversation, customer, ticket


class Messages(_Repo):
    async def add(
        self,
        message: Message,
        channel: ChannelKind,
        now: datetime,
        processed: bool = True,
        claimed_until: datetime | None = None,
    ) -> Message:
        pid = message.platform_message_id
        if pid is not None and (channel.value, pid) in self.rows.platform_ids:
            raise DuplicateMessage(pid)
        if pid is not None:
            self.rows.platform_ids.add((channel.value, pid))
        message.id = len(self.rows.messages) + 1
        message.seq = 1 + sum(
            1 for m in self.rows.messages.values() if m.conversation_id == message.conversation_id
        )
        message.created_at = now
        self.rows.messages[message.id] = copy.deepcopy(message)
        if processed:
            self.rows.processed.add(message.id)
        elif claimed_until is not None:
            self.rows.leases[message.id] = claimed_until
        return message

    async def get(self, message_id: int) -> Message:
        if message_id not in self.rows.messages:
            raise NotFound(f"message {message_id} does not exist")
        return copy.deepcopy(self.rows.messages[message_id])

    async def is_processed(self, message_id: int) -> bool:
        return message_id in self.rows.processed

    async def mark_processed(self, message_id: int, now: datetime) -> bool:
        if message_id in self.rows.processed:
            return False
        self.rows.processed.add(message_id)
        return True

    async def claim(
        self, now: datetime, until: datetime, limit: int = 500
    ) -> list[tuple[int, int]]:
        claimed = [
            (m.id, m.conversation_id) for m in self.rows.messages.values()
            if m.direction is Direction.INBOUND and m.id not in self.rows.processed
            and self.rows.leases.get(m.id, now) <= now
        ][:limit]  # fmt: skip
        self.rows.leases.update((message_id, until) for message_id, _ in claimed)
        return claimed

    async def attach_to_ticket(self, message_id: int, ticket_id: int) -> None:
        self.rows.messages[message_id].ticket_id = ticket_id

    async def unprocessed(self, limit: int = 1000) -> list[tuple[int, int]]:
        return [
            (m.id, m.conversation_id) for m in self.rows.messages.values()
            if m.direction is Direction.INBOUND and m.id not in self.rows.processed
        ][:limit]  # fmt: skip


class Tickets(_Repo):
    async def add(self, ticket: Ticket) -> Ticket:
        ticket.id = 1 + len(self.rows.tickets)  # shown as FD-1001
        self.rows.tickets[ticket.id] = copy.deepcopy(ticket)
        return ticket

    async def get(self, ticket_id: int, for_update: bool = False) -> Ticket:
        if ticket_id not in self.rows.tickets:
            raise NotFound(f"ticket {ticket_id} does not exist")
        return copy.deepcopy(self.rows.tickets[ticket_id])

    async def save(self, ticket: Ticket) -> None:
        self.rows.tickets[ticket.id] = copy.deepcopy(ticket)

    async def bump_resolution_round(self, ticket_id: int) -> int:
        self.rows.rounds[ticket_id] = self.rows.rounds.get(ticket_id, 0) + 1
        return self.rows.rounds[ticket_id]

    async def resolution_round(self, ticket_id: int) -> int:
        return self.rows.rounds.get(ticket_id, 0)

    async def list(self, flt: TicketFilter) -> list[Ticket]:
        found = [
            t for t in self.rows.tickets.values()
            if (not flt.customer_ids or t.customer_id in flt.customer_ids)
            and (not flt.open_only or t.status.is_open)
        ]  # fmt: skip
        return copy.deepcopy(sorted(found, key=lambda t: -t.id)[: flt.limit])


class Events(_Repo):
    async def add(self, event: TicketEvent) -> None:
        self.rows.events.append(event)


class Outbox(_Repo):
    async def add(
        self, channel: str, address: str, body: OutboxBody, now: datetime, **_: Any
    ) -> int:
        self.rows.outbox.append((channel, address, body))
        return len(self.rows.outbox)


class Csat(_Repo):
    async def add(self, response: CsatResponse, resolution_round: int) -> bool:
        key = (response.ticket_id, resolution_round)
        if key in self.rows.ratings:
            return False
        self.rows.ratings[key] = response
        return True

    async def add_comment(self, ticket_id: int, resolution_round: int, comment: str) -> bool:
        self.rows.comments[(ticket_id, resolution_round)] = comment
        return True


class Labels(_Repo):
    async def add(self, label: Any) -> None:
        self.rows.labels.append(label)


class MemoryUnitOfWork:
    """The repositories of one in-memory transaction."""

    def __init__(self, rows: Rows) -> None:
        self.customers = Customers(rows)
        self.conversations = Conversations(rows)
        self.messages = Messages(rows)
        self.turns = Turns(rows)
        self.tickets = Tickets(rows)
        self.events = Events(rows)
        self.outbox = Outbox(rows)
        self.csat = Csat(rows)
        self.labels = Labels(rows)
        self._after_commit: list[Callable[[], None]] = []

    def after_commit(self, callback: Callable[[], None]) -> None:
        self._after_commit.append(callback)


class MemoryStore:
    """``read`` and ``write`` as ``store.database.Store`` offers them, on :class:`Rows`."""

    def __init__(self) -> None:
        self.rows = Rows()

    async def read(self, work: Callable[[Any], Awaitable[T]]) -> T:
        return await work(MemoryUnitOfWork(self.rows))

    async def write(self, work: Callable[[Any], Awaitable[T]]) -> T:
        before = copy.deepcopy(self.rows)
        uow = MemoryUnitOfWork(self.rows)
        try:
            result = await work(uow)
        except BaseException:
            self.rows.__dict__.update(before.__dict__)
            raise
        for callback in uow._after_commit:
            callback()
        return result

    def conversation(self, address: str) -> Conversation:
        return max(
            (c for c in self.rows.conversations.values() if c.address == address),
            key=lambda c: c.id,
        )

    def in_state(self, address: str) -> ConversationState:
        return self.conversation(address).state
