"""The unit-of-work port: the repositories a conversation turn reaches, as Protocols.

The engine, its dialogues, the desk and the router are typed against :class:`UnitOfWork`, not
the store's class, so two adapters satisfy it without inheriting anything: ``store.unit_of_work``
(SQLite, PostgreSQL) and the hand-written in-memory one of the engine's table tests
(``tests/memory_store.py``). ``make typecheck`` checks both against it. Code that needs more of
the store than a turn does (the agent API, reports, jobs) keeps the store's own class, which has
every repository.

Each repository here lists only the calls a turn makes; a call added to the engine must be added
here and to the in-memory store, so the fast tests keep running what production runs.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol, TypeVar

from models import (
    Agent,
    Attachment,
    ChannelKind,
    Conversation,
    CsatResponse,
    Customer,
    Message,
    OutboxBody,
    Ticket,
    TicketEvent,
    TicketFilter,
)

if TYPE_CHECKING:
    from store.training_labels import TrainingLabel

Turn = tuple[Conversation, Customer, Ticket | None]
"""A conversation, its customer and its current ticket."""


class Customers(Protocol):
    async def get(self, customer_id: int) -> Customer: ...

    async def get_or_create(
        self,
        channel: ChannelKind,
        external_id: str,
        now: datetime,
        display_name: str = "",
        language: str | None = None,
    ) -> Customer: ...

    async def follow_profile(self, customer: Customer, display_name: str = "") -> None: ...

    async def set_language(self, customer_id: int, language: str) -> None: ...

    async def set_email(self, customer_id: int, email: str, verified: bool) -> None: ...

    async def identities(self, customer: Customer) -> list[int]:
        """The ids of every identity of the same person (their tickets are theirs too)."""
        ...


class Conversations(Protocol):
    async def get(self, conversation_id: int) -> Conversation: ...

    async def add(
        self, conversation: Conversation, now: datetime, access_token_hash: str | None = None
    ) -> Conversation: ...

    async def save(self, conversation: Conversation, now: datetime) -> None: ...


class Turns(Protocol):
    async def take(self, message_id: int, now: datetime) -> Message | None:
        """The inbound message to handle, once: ``None`` if it was handled already."""
        ...

    async def at(self, channel: ChannelKind, address: str) -> Turn | None: ...

    async def of_conversation(self, conversation_id: int) -> Turn: ...


class Messages(Protocol):
    async def add(
        self,
        message: Message,
        channel: ChannelKind,
        now: datetime,
        processed: bool = True,
        claimed_until: datetime | None = None,
    ) -> Message: ...

    async def get(self, message_id: int) -> Message: ...

    async def is_processed(self, message_id: int) -> bool: ...

    async def mark_processed(self, message_id: int, now: datetime) -> bool:
        """``False`` if it was processed already (so a failure is handled once)."""
        ...

    async def claim(
        self, now: datetime, until: datetime, limit: int = 500
    ) -> list[tuple[int, int]]:
        """Lease unprocessed inbound messages (their leases run out by ``now``) until ``until``:
        (message id, conversation id), oldest first."""
        ...

    async def attach_to_ticket(self, message_id: int, ticket_id: int) -> None: ...


class Tickets(Protocol):
    async def add(self, ticket: Ticket) -> Ticket: ...

    async def get(self, ticket_id: int, for_update: bool = False) -> Ticket: ...

    async def save(self, ticket: Ticket) -> None: ...

    async def bump_resolution_round(self, ticket_id: int) -> int: ...

    async def resolution_round(self, ticket_id: int) -> int: ...

    async def list(self, flt: TicketFilter) -> list[Ticket]: ...

    async def open_count_by_assignee(self) -> dict[int, int]:
        """Open tickets per agent id: the router's measure of who is free."""
        ...


class Events(Protocol):
    async def add(self, event: TicketEvent) -> None: ...

    async def for_ticket(self, ticket_id: int) -> list[TicketEvent]: ...

    async def has_kind(self, ticket_id: int, kind: str) -> bool:
        """Whether the ticket has an event of this kind (one indexed row read, not all)."""
        ...


class Outbox(Protocol):
    async def add(
        self,
        channel: str,
        address: str,
        body: OutboxBody,
        now: datetime,
        conversation_id: int | None = None,
        message_id: int | None = None,
    ) -> int: ...


class Ratings(Protocol):
    async def add(self, response: CsatResponse, resolution_round: int) -> bool: ...

    async def add_comment(self, ticket_id: int, resolution_round: int, comment: str) -> bool: ...


class Labels(Protocol):
    async def add(self, label: TrainingLabel) -> None: ...


class Attachments(Protocol):
    async def add(self, file: Attachment, now: datetime) -> Attachment: ...


class Tags(Protocol):
    async def of(self, ticket_id: int) -> list[str]: ...

    async def replace(self, ticket_id: int, tags: Sequence[str]) -> None: ...


class Links(Protocol):
    async def add(self, ticket_id: int, kind: str, other_id: int, now: datetime) -> None: ...

    async def of(self, ticket_id: int) -> dict[str, int]: ...


class Presence(Protocol):
    async def online_agents(self, seen_since: datetime) -> list[Agent]:
        """Active agents seen since ``seen_since``: whom the router may assign."""
        ...


class FulfilmentState(Protocol):
    """What a fulfilment dialogue keeps beside the conversation: timers and cool-downs."""

    async def cooldown_until(self, subject_hash: str) -> datetime | None: ...

    async def add_reset_token(
        self,
        token_hash: str,
        account_id: str,
        now: datetime,
        expires_at: datetime,
        conversation_id: int | None,
        ticket_id: int | None,
    ) -> None: ...

    async def set_cooldown(self, subject_hash: str, until: datetime) -> None: ...

    async def set_timer(self, conversation_id: int, due_at: datetime) -> None: ...

    async def clear_timer(self, conversation_id: int) -> None: ...

    async def link_verified_email(self, customer_id: int, email: str) -> int: ...


class LimitCount(Protocol):
    """A subject's hits in its current window (``store.limits.Count``)."""

    @property
    def hits(self) -> int: ...
    @property
    def window_ends(self) -> datetime: ...
    def over(self, limit: int) -> bool:
        """Whether this hit is beyond ``limit`` (0 = no limit)."""
        ...


class RateLimits(Protocol):
    async def hit(self, subject: str, now: datetime, window: timedelta) -> LimitCount:
        """Count one more event of ``subject``, in the database so every process sees it."""
        ...


class UnitOfWork(Protocol):
    """The repositories of one transaction, handed to a write or read function.

    The function never commits; the store does, and then runs what :meth:`after_commit` was
    given. A function that raises leaves nothing written.
    """

    @property
    def customers(self) -> Customers: ...
    @property
    def conversations(self) -> Conversations: ...
    @property
    def turns(self) -> Turns: ...
    @property
    def messages(self) -> Messages: ...
    @property
    def tickets(self) -> Tickets: ...
    @property
    def events(self) -> Events: ...
    @property
    def outbox(self) -> Outbox: ...
    @property
    def csat(self) -> Ratings: ...
    @property
    def labels(self) -> Labels: ...
    @property
    def attachments(self) -> Attachments: ...
    @property
    def tags(self) -> Tags: ...
    @property
    def links(self) -> Links: ...
    @property
    def handoff(self) -> Presence: ...
    @property
    def fulfilment(self) -> FulfilmentState: ...
    @property
    def limits(self) -> RateLimits: ...

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` once the transaction is durable (e.g. wake long-polling clients)."""
        ...


T = TypeVar("T")


class Transactions(Protocol):
    """Where units of work come from (``store.database.Store``, or the tests' in-memory one)."""

    async def read(self, work: Callable[[UnitOfWork], Awaitable[T]], *, small: bool = False) -> T:
        """Run ``work`` on a read-only snapshot; ``small``: it reads a few rows by key and may
        run on the event loop itself (``Store.read``)."""
        ...

    async def write(self, work: Callable[[UnitOfWork], Awaitable[T]]) -> T:
        """Run ``work`` in a transaction; returns once it is committed (nothing if it raised)."""
        ...
