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
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, TypeVar

from models import (
    Agent,
    Attachment,
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
from service.unit_of_work import Transactions, UnitOfWork
from store.limits import Count
from store.training_labels import TrainingLabel

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
    labels: list[TrainingLabel] = field(default_factory=list)
    attachments: dict[int, Attachment] = field(default_factory=dict)
    tags: dict[int, list[str]] = field(default_factory=dict)
    links: dict[int, dict[str, int]] = field(default_factory=dict)
    agents: dict[int, Agent] = field(default_factory=dict)
    timers: dict[int, datetime] = field(default_factory=dict)
    cooldowns: dict[str, datetime] = field(default_factory=dict)
    reset_tokens: dict[str, tuple[str, datetime]] = field(default_factory=dict)
    verified_emails: dict[int, str] = field(default_factory=dict)
    rate_counters: dict[str, tuple[datetime, int]] = field(default_factory=dict)


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

    async def set_email(self, customer_id: int, email: str, verified: bool) -> None:
        customer = self.rows.customers[customer_id]
        customer.email, customer.email_verified = email, verified

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

    async def add(
        self, conversation: Conversation, now: datetime, access_token_hash: str | None = None
    ) -> Conversation:
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

    async def open_count_by_assignee(self) -> dict[int, int]:
        counts: dict[int, int] = {}
        for ticket in self.rows.tickets.values():
            if ticket.assignee_id is not None and ticket.status.is_open:
                counts[ticket.assignee_id] = counts.get(ticket.assignee_id, 0) + 1
        return counts


class Events(_Repo):
    async def add(self, event: TicketEvent) -> None:
        self.rows.events.append(event)

    async def for_ticket(self, ticket_id: int) -> list[TicketEvent]:
        return [copy.deepcopy(e) for e in self.rows.events if e.ticket_id == ticket_id]

    async def has_kind(self, ticket_id: int, kind: str) -> bool:
        return any(e.ticket_id == ticket_id and e.kind == kind for e in self.rows.events)


class Outbox(_Repo):
    async def add(
        self,
        channel: str,
        address: str,
        body: OutboxBody,
        now: datetime,
        conversation_id: int | None = None,
        message_id: int | None = None,
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
    async def add(self, label: TrainingLabel) -> None:
        self.rows.labels.append(label)


class Attachments(_Repo):
    async def add(self, file: Attachment, now: datetime) -> Attachment:
        file = replace(file, id=len(self.rows.attachments) + 1)
        self.rows.attachments[file.id] = file
        return file


class Tags(_Repo):
    async def of(self, ticket_id: int) -> list[str]:
        return sorted(self.rows.tags.get(ticket_id, []))

    async def replace(self, ticket_id: int, tags: Sequence[str]) -> None:
        self.rows.tags[ticket_id] = sorted(tags)


class Links(_Repo):
    async def add(self, ticket_id: int, kind: str, other_id: int, now: datetime) -> None:
        self.rows.links.setdefault(ticket_id, {})[kind] = other_id

    async def of(self, ticket_id: int) -> dict[str, int]:
        return dict(self.rows.links.get(ticket_id, {}))


class Presence(_Repo):
    async def online_agents(self, seen_since: datetime) -> list[Agent]:
        return [copy.deepcopy(a) for a in self.rows.agents.values() if a.active and a.online]


class Fulfilment(_Repo):
    """Timers, cool-downs and reset tokens, as the fulfilment dialogues keep them."""

    async def cooldown_until(self, subject_hash: str) -> datetime | None:
        return self.rows.cooldowns.get(subject_hash)

    async def set_cooldown(self, subject_hash: str, until: datetime) -> None:
        self.rows.cooldowns[subject_hash] = until

    async def set_timer(self, conversation_id: int, due_at: datetime) -> None:
        self.rows.timers[conversation_id] = due_at

    async def clear_timer(self, conversation_id: int) -> None:
        self.rows.timers.pop(conversation_id, None)

    async def link_verified_email(self, customer_id: int, email: str) -> int:
        self.rows.verified_emails[customer_id] = email
        return customer_id

    async def add_reset_token(
        self,
        token_hash: str,
        account_id: str,
        now: datetime,
        expires_at: datetime,
        conversation_id: int | None,
        ticket_id: int | None,
    ) -> None:
        self.rows.reset_tokens[token_hash] = (account_id, expires_at)


class Limits(_Repo):
    async def hit(self, subject: str, now: datetime, window: timedelta) -> Count:
        start, hits = self.rows.rate_counters.get(subject, (now, 0))
        if start <= now - window:
            start, hits = now, 0
        self.rows.rate_counters[subject] = (start, hits + 1)
        return Count(hits + 1, start + window)


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
        self.attachments = Attachments(rows)
        self.tags, self.links = Tags(rows), Links(rows)
        self.handoff = Presence(rows)
        self.fulfilment = Fulfilment(rows)
        self.limits = Limits(rows)
        self._after_commit: list[Callable[[], None]] = []

    def after_commit(self, callback: Callable[[], None]) -> None:
        self._after_commit.append(callback)


class MemoryStore:
    """``read`` and ``write`` as ``store.database.Store`` offers them, on :class:`Rows`."""

    def __init__(self) -> None:
        self.rows = Rows()

    async def read(self, work: Callable[[UnitOfWork], Awaitable[T]], *, small: bool = False) -> T:
        return await work(MemoryUnitOfWork(self.rows))

    async def write(self, work: Callable[[UnitOfWork], Awaitable[T]]) -> T:
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


if TYPE_CHECKING:
    from store.database import Store
    from store.unit_of_work import UnitOfWork as SqlUnitOfWork

    def _both_adapters_satisfy_the_ports(
        memory: MemoryStore, sql: Store, memory_uow: MemoryUnitOfWork, sql_uow: SqlUnitOfWork
    ) -> tuple[list[Transactions], list[UnitOfWork]]:
        """Never called: ``make typecheck`` checks here, without a cast or an ignore, that the
        in-memory store and the SQL store both satisfy ``service.unit_of_work``'s ports."""
        return [memory, sql], [memory_uow, sql_uow]
