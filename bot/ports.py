"""The engine's ports towards the chat platforms, and the values and errors that cross them.

They belong to the engine, not to the adapters: channels depend on the engine, never the
reverse. A channel adapter translates between one platform and these platform-neutral types. It
never sees the engine, the store or another channel: it is handed an :class:`InboundSink` to
call with what customers send, and the delivery worker calls :meth:`Channel.send` with what the
front desk says. Web chat, served by our own HTTP app, reaches the front desk through
:class:`WebChatBackend`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol

from models import Attachment, Button, ChannelKind, Message, NotFound, NotSignedIn, TooFast


@dataclass(frozen=True, slots=True)
class FileData:
    """A file crossing the port: what a customer sent (fetched by the channel from its
    platform), or what the front desk sends (loaded from the file storage for the channel).
    ``content_type`` is the platform's claim inbound (the front desk sniffs it again)."""

    name: str
    content_type: str
    data: bytes


@dataclass(frozen=True, slots=True)
class InboundEvent:
    """Something a customer did on a platform: a text, a button press or a command.

    ``platform_message_id`` must be unique per channel and stable across redeliveries (Telegram
    ``update_id``, Discord message or interaction id, a web-chat client message id): it is how
    a redelivered update is recognised and dropped.
    """

    channel: ChannelKind
    platform_message_id: str
    user_id: str
    address: str
    text: str = ""
    payload: str | None = None
    command: str | None = None
    display_name: str = ""
    language: str | None = None
    files: tuple[FileData, ...] = ()


@dataclass(frozen=True, slots=True)
class OutboundMessage:
    """What the front desk says to a customer, ready for a channel to deliver.

    ``channel`` is a :class:`ChannelKind` value. On ``"email"`` it is a mail: to a plain
    address (codes, links: ``extra`` carries the subject) or, at a conversation's address, a
    reply in that mail thread.
    """

    channel: str
    address: str
    text: str
    buttons: tuple[Button, ...] = ()
    outbox_id: int = 0
    message_id: int | None = None
    conversation_id: int | None = None
    extra: dict[str, str] = field(default_factory=dict)
    files: tuple[FileData, ...] = ()  # each channel sends them natively


InboundSink = Callable[[InboundEvent], Awaitable[None]]
"""Stores an inbound event durably (deduplicating it) and returns once it is committed."""


class ChannelSendError(Exception):
    """A delivery failed; subclasses say whether and when to try again."""


class ChannelRateLimited(ChannelSendError):
    """The platform asked us to wait ``retry_after`` seconds before sending again."""

    def __init__(self, retry_after: float, message: str = "rate limited") -> None:
        super().__init__(f"{message} (retry after {retry_after:.1f}s)")
        self.retry_after = retry_after


class ChannelTemporaryError(ChannelSendError):
    """A network error or a 5xx: retry with backoff."""


class ChannelPermanentError(ChannelSendError):
    """The message can never be delivered (the user blocked the bot, the chat is gone)."""


class Channel(Protocol):
    """A chat platform the front desk serves customers on."""

    name: ChannelKind

    async def start(self, sink: InboundSink) -> None:
        """Connect and begin handing inbound events to ``sink``; returns once running."""

    async def send(self, message: OutboundMessage) -> None:
        """Deliver one message; raises only :class:`ChannelSendError` subclasses."""

    async def stop(self) -> None:
        """Disconnect; safe to call when :meth:`start` failed half way."""

    @property
    def healthy(self) -> bool:
        """Whether the platform is reachable now (shown on ``/healthz``)."""


@dataclass(frozen=True, slots=True)
class MailThread:
    """How a reply in an email conversation is threaded: the ticket's ID for the subject, the
    subject it answers, and the Message-IDs it replies to (newest last)."""

    ticket: str | None
    subject: str
    references: tuple[str, ...] = ()

    @property
    def in_reply_to(self) -> str | None:
        return self.references[-1] if self.references else None


class MailThreads(Protocol):
    """What the email channel asks the front desk about mail threads (``bot/mail_threads.py``).

    A mail continues an email conversation only when it comes from that conversation's
    customer: a guessed Message-ID or ticket ID from anyone else starts a thread of its own.
    """

    async def continued(
        self, sender: str, ours: tuple[int, ...], theirs: tuple[str, ...], ticket: str | None
    ) -> str | None:
        """The address of the email conversation a mail from ``sender`` continues, or ``None``:
        by the conversations named in our Message-IDs it answers (``ours``), the customer's
        earlier mails it references (``theirs``), else the ticket ID in its subject."""

    async def reply_headers(self, conversation_id: int) -> MailThread | None:
        """How to thread a reply in this conversation; ``None`` if it is not an email one."""


class MailboxCursor(Protocol):
    """Where the email channel's IMAP polling stands in each mailbox, kept by the front desk so
    a restart (or another process) reads on from there instead of from the start."""

    async def read_up_to(self, mailbox: str) -> tuple[int, int]:
        """(UIDVALIDITY, last UID stored); (0, 0) for a mailbox never read."""

    async def advance(self, mailbox: str, uid_validity: int, uid: int) -> None:
        """The mail with ``uid`` is stored (or deliberately dropped)."""


@dataclass(frozen=True, slots=True)
class ChatSession:
    """An authenticated web-chat session: its public id and the conversation behind it."""

    session_id: str
    conversation_id: int


class UnknownSession(NotFound):
    """No web-chat session with that id (HTTP 404)."""

    def __init__(self, session_id: str) -> None:
        super().__init__("unknown chat session")
        self.session_id = session_id


class WrongToken(NotSignedIn):
    """The bearer token does not belong to the session (HTTP 401)."""

    def __init__(self, session_id: str) -> None:
        super().__init__("wrong token for this chat session")
        self.session_id = session_id


class RateLimited(TooFast):
    """A web-chat customer sends faster than the per-session limit allows (HTTP 429)."""

    def __init__(
        self, retry_after: float, message: str = "you are sending messages too fast"
    ) -> None:
        super().__init__(retry_after, message)


class WebChatBackend(Protocol):
    """What the web-chat routes need from the front desk (``bot/webchat_sessions.py``)."""

    async def create_session(
        self, language: str | None = None, client: str = "unknown", email: str | None = None
    ) -> tuple[str, str]:
        """A new session for the client at address ``client`` (``email``: the widget's
        optional pre-chat field); raises ``RateLimited`` when that address opened too many
        lately."""
        ...

    async def authenticate(self, session_id: str, token: str) -> ChatSession: ...

    async def send(
        self, session: ChatSession, text: str, payload: str | None, client_message_id: str | None
    ) -> int: ...

    async def messages(
        self, session: ChatSession, after: int, wait: float, shows_typing: bool | None = None
    ) -> list[Message]:
        """Long-polls; also returns (maybe empty) when whether an agent is typing differs from
        ``shows_typing`` (None: from how it was when the poll began)."""
        ...

    def typing(self, session: ChatSession) -> str | None:
        """The display name of the agent typing to the customer now, or None."""
        ...

    async def agent_names(self, messages: list[Message]) -> dict[int, str]:
        """The display names of the agents who wrote ``messages`` (the customer sees "Ann")."""
        ...

    async def send_file(
        self, session: ChatSession, text: str, name: str, data: bytes
    ) -> tuple[int, tuple[Attachment, ...]]:
        """A message with a file; raises ``FileTooLarge`` or ``UnsupportedFile``."""

    async def file(
        self, session: ChatSession, attachment_id: int, thumbnail: bool
    ) -> tuple[Attachment, bytes, str]:
        """A file of this session's conversation (bytes and their type), else ``NotFound``."""
