"""Domain entities. Plain dataclasses: no I/O, no ORM, no platform types.

IDs are integers assigned by the store; ``0`` means "not stored yet".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from .conversation_lifecycle import ConversationAction, next_conversation_state
from .enums import (
    AgentRole,
    ChannelKind,
    ConversationState,
    Direction,
    Priority,
    SenderKind,
    TicketStatus,
    TicketType,
)
from .prediction import Prediction

if TYPE_CHECKING:
    from .dialogues import Dialogue

__all__ = [
    "Agent",
    "Button",
    "Conversation",
    "CsatResponse",
    "Customer",
    "Message",
    "OutboxBody",
    "Prediction",
    "Ticket",
    "TicketEvent",
    "language_code",
]


@dataclass(slots=True)
class Customer:
    """One identity on one channel (a Telegram user, a web-chat visitor...).

    ``person_id`` links identities that were proven to belong to one person (a verified email),
    so history follows a customer across channels.
    """

    id: int
    channel: ChannelKind
    external_id: str
    display_name: str = ""
    email: str | None = None
    email_verified: bool = False
    language: str = "en"
    person_id: int | None = None
    created_at: datetime | None = None


def language_code(tag: str | None) -> str | None:
    """The ISO 639-1 code in a platform's language tag: Discord's ``en-US``, Telegram's
    ``pt-br``, a browser's ``zh_Hant`` -> ``en``, ``pt``, ``zh``; ``None`` for no tag or one
    that does not start with two letters. Customers' languages are stored as such codes: the
    bot's catalogs, the knowledge base's translations and the language routes compare them.
    """
    code = (tag or "").strip().replace("_", "-").split("-")[0].lower()
    return code if len(code) == 2 and code.isascii() and code.isalpha() else None


@dataclass(frozen=True, slots=True)
class Button:
    label: str
    payload: str


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file a customer or an agent sent with a message.

    ``content_type`` was sniffed from the content, never taken from the name; ``key`` is where
    the file storage keeps it (``thumbnail_key`` a small PNG of an image, when there is one).
    """

    id: int
    conversation_id: int
    message_id: int | None
    name: str
    content_type: str
    size: int
    key: str
    thumbnail_key: str | None = None
    created_at: datetime | None = None

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


@dataclass(frozen=True, slots=True)
class OutboxBody:
    """What one outbox row says: a chat message (``sender`` set) or a mail (``subject`` set).

    ``ticket`` is the ticket a mail is about (``FD-1042``). The store keeps it as JSON.
    """

    text: str
    buttons: tuple[Button, ...] = ()
    sender: str | None = None
    subject: str | None = None
    ticket: str | None = None
    attachments: tuple[int, ...] = ()  # attachment ids sent with the message
    agent: str | None = None  # an agent's display name: the channel shows who answers
    team: str | None = None  # the team of the ticket an agent answers on (mail signs with it)

    @property
    def extra(self) -> dict[str, str]:
        """The fields beyond text and buttons, as a channel reads them (a mail's subject, the
        name of the agent who wrote it)."""
        fields = {
            "sender": self.sender,
            "subject": self.subject,
            "ticket": self.ticket,
            "agent": self.agent,
            "team": self.team,
        }
        return {k: v for k, v in fields.items() if v is not None}


@dataclass(slots=True)
class Conversation:
    """A thread between one customer identity and the front desk on one channel.

    ``address`` is where the channel delivers replies (a Telegram chat id, a Discord channel or
    thread id, a web-chat session id). ``dialogue`` is the multi-turn exchange the bot is in
    (a clarifying question, CSAT, a fulfilment...), a frozen value from ``models/dialogues.py``;
    the store maps it to and from its JSON column.
    """

    id: int
    channel: ChannelKind
    customer_id: int
    address: str
    state: ConversationState = ConversationState.WITH_BOT
    ticket_id: int | None = None
    dialogue: Dialogue | None = None
    delivery_blocked: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    client: str | None = None  # the address a web chat was opened from: abuse limits count it

    def move(self, action: ConversationAction) -> ConversationState:
        """Apply a lifecycle action (see ``models/conversation_lifecycle.py``); returns the
        state it left. Raises ``InvalidConversationMove`` when the action is illegal."""
        old = self.state
        self.state = next_conversation_state(old, action)
        return old


@dataclass(slots=True)
class Message:
    """One message in a conversation, in either direction.

    ``platform_message_id`` is unique per channel and is how redelivered inbound updates are
    recognised. ``internal`` notes are agents talking to agents; customers never see them.
    """

    id: int
    conversation_id: int
    seq: int
    direction: Direction
    sender: SenderKind
    text: str
    buttons: tuple[Button, ...] = ()
    payload: str | None = None
    internal: bool = False
    agent_id: int | None = None
    ticket_id: int | None = None
    platform_message_id: str | None = None
    created_at: datetime | None = None
    attachments: tuple[Attachment, ...] = ()


@dataclass(slots=True)
class Ticket:
    """A customer's problem or request, from first message to closure."""

    id: int
    conversation_id: int
    customer_id: int
    channel: ChannelKind
    description: str
    type: TicketType
    priority: Priority
    intent: str
    confidence: float
    status: TicketStatus = TicketStatus.NEW
    assignee_id: int | None = None
    team: str | None = None
    resolution: str | None = None
    auto_fulfilled: bool = False
    escalated: bool = False
    problem_id: int | None = None
    created_at: datetime | None = None
    first_response_at: datetime | None = None
    bot_first_response_at: datetime | None = None  # the bot's first reply on the ticket
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    first_response_due: datetime | None = None
    resolution_due: datetime | None = None
    updated_at: datetime | None = None

    @property
    def public_id(self) -> str:
        from .ticket_ids import format_ticket_id

        return format_ticket_id(self.id)


@dataclass(frozen=True, slots=True)
class TicketEvent:
    """One line of a ticket's audit trail: who changed what, from what to what, when.

    ``actor`` is ``"bot"``, ``"system"``, ``"customer"`` or ``"agent:<id>"``.
    """

    ticket_id: int
    actor: str
    kind: str
    old: str | None = None
    new: str | None = None
    detail: str | None = None
    created_at: datetime | None = None
    id: int = 0


@dataclass(slots=True)
class Agent:
    """A person who works tickets; ``capacity`` is how many open tickets routing gives them."""

    id: int
    email: str
    name: str
    role: AgentRole
    password_hash: str
    skills: tuple[str, ...] = ()
    teams: tuple[str, ...] = ()
    capacity: int = 5
    active: bool = True
    online: bool = False
    created_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class CsatResponse:
    """A customer's 1-5 rating of one resolution."""

    ticket_id: int
    score: int
    comment: str | None = None
    created_at: datetime | None = None
    id: int = 0

    def __post_init__(self) -> None:
        if not 1 <= self.score <= 5:
            raise ValueError(f"CSAT score must be 1..5, got {self.score}")
