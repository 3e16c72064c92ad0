"""Email as a channel: mail in (a built-in SMTP receiver, IMAP polling) and mail out (the outbox).

Inbound, a mail becomes an :class:`InboundEvent` on channel ``email``: the customer is the From
address, the conversation is the mail thread. A mail continues a thread when it answers one of
our mails (our Message-IDs name the conversation), one of the customer's earlier mails, or names
the ticket in its subject (``[FD-1042]``) — and only when it comes from that thread's customer
(:class:`MailThreads` checks); anything else starts a thread and so a ticket of its own. The
Message-ID is the platform id, so the same mail delivered twice (a relay's retry, IMAP and SMTP
both) is stored once. Automatic mail (auto-replies, bounces, lists, our own) is dropped before
anything is stored, and one sender's flood is cut at ``flood_limit`` mails per hour.

The SMTP receiver answers ``250`` only after the mail is committed (or deliberately dropped),
and ``451`` (try again later) when the front desk cannot store it, so the relay keeps it.

Outbound, the channel is the outbox's sender for every mail: to a plain address (codes and
links, composed by ``bot/channels/mail.py``) and to a conversation's address, as a reply in
its thread (``In-Reply-To``/``References``, the ticket ID in the subject).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Callable
from email.message import EmailMessage
from typing import Any, Protocol

from aiosmtpd.smtp import SMTP, Envelope, Session

from bot.ports import (
    FileData,
    InboundEvent,
    InboundSink,
    MailboxCursor,
    MailThreads,
    OutboundMessage,
)
from models import ChannelKind

from .email_imap import ImapConfig, ImapPoller
from .email_parsing import InboundMail, read_mail
from .mail import THREAD_MARK, ButtonLinks, compose, conversation_of, thread_address

log = logging.getLogger(__name__)

MAX_TEXT = 20_000
"""Characters of a mail's text kept as the message (the rest of a pasted log is cut)."""
MAX_MAIL_BYTES = 25 * 1024 * 1024
"""The largest mail the SMTP receiver accepts (attachments included)."""


class MailTransport(Protocol):
    """Delivers a composed mail (``SmtpMailSender`` or ``FileMailSender``)."""

    def describe(self) -> str: ...

    async def send_mail(self, mail: EmailMessage, outbox_id: int = 0) -> None: ...


class FloodLimit:
    """At most ``limit`` mails per sender in ``window`` seconds (memory bounded)."""

    def __init__(
        self, limit: int, window: float = 3600.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit, self.window, self.clock = limit, window, clock
        self._seen: dict[str, deque[float]] = {}

    def allow(self, sender: str) -> bool:
        now = self.clock()
        if len(self._seen) > 10_000:  # forget the quiet senders
            self._seen = {s: q for s, q in self._seen.items() if q and q[-1] > now - self.window}
        times = self._seen.setdefault(sender, deque())
        while times and times[0] <= now - self.window:
            times.popleft()
        if len(times) >= self.limit:
            return False
        times.append(now)
        return True


class EmailChannel:
    """The :class:`~bot.ports.Channel` for mail. Inbound listeners start only when configured
    (``smtp_port`` > 0); outbound mail always goes through ``transport``."""

    name = ChannelKind.EMAIL

    def __init__(
        self,
        transport: MailTransport,
        threads: MailThreads,
        own_address: str,
        *,
        smtp_host: str = "127.0.0.1",
        smtp_port: int = 0,
        flood_limit: int = 30,
    ) -> None:
        self.transport = transport
        self.threads = threads
        self.own_address = own_address
        self.smtp_host, self.smtp_port = smtp_host, smtp_port
        self.flood = FloodLimit(flood_limit)
        self._sink: InboundSink | None = None
        self._server: asyncio.Server | None = None
        self.imap: ImapPoller | None = None  # mail in by polling a mailbox, when configured
        self.button_links: ButtonLinks | None = None  # the CSAT answers as rating-page links
        self.received = self.ignored = 0

    def describe(self) -> str:
        inbound = (
            f"; mail to {self.smtp_host}:{self.smtp_port} opens tickets" if self.smtp_port else ""
        )
        polled = f"; {self.imap.describe()} opens tickets" if self.imap is not None else ""
        return self.transport.describe() + inbound + polled

    def poll(self, config: ImapConfig, cursor: MailboxCursor) -> None:
        """Also take mail from a mailbox (IMAP polling) once started."""
        self.imap = ImapPoller(config, cursor, self.receive)

    @property
    def receives(self) -> bool:
        """Whether mail comes in (the SMTP receiver or IMAP polling): a channel to start."""
        return bool(self.smtp_port) or self.imap is not None

    # -- lifecycle ----------------------------------------------------------------------------

    async def start(self, sink: InboundSink) -> None:
        self._sink = sink
        if self.smtp_port:
            loop = asyncio.get_running_loop()
            self._server = await loop.create_server(
                lambda: SMTP(
                    _Receiver(self),
                    hostname="frontdesk",
                    data_size_limit=MAX_MAIL_BYTES,
                    timeout=60,
                ),
                self.smtp_host,
                self.smtp_port,
            )
        if self.imap is not None:
            await self.imap.start()

    async def stop(self) -> None:
        if self.imap is not None:
            await self.imap.stop()
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 2)
            self._server = None
        self._sink = None

    @property
    def healthy(self) -> bool:
        """Up while started (a standby process has not started it: ``standby`` on /healthz)
        with its SMTP receiver listening and its mailbox read at the last try."""
        if self._sink is None:
            return False
        smtp_up = not self.smtp_port or self._server is not None
        imap_up = self.imap is None or self.imap.healthy or not self.imap.rounds  # not yet tried
        return smtp_up and imap_up

    # -- inbound ------------------------------------------------------------------------------

    async def receive(self, raw: bytes, envelope_sender: str | None = None) -> str:
        """Take one mail (from the SMTP receiver or a mailbox); returns what became of it.

        Raises what the sink raises when the mail could not be stored (the caller keeps it).
        """
        mail = read_mail(raw, self.own_address, envelope_sender)
        if mail.loop:
            self.ignored += 1
            log.info("mail %s not answered: %s", mail.platform_id, mail.loop)
            return "ignored: " + mail.loop
        if not self.flood.allow(mail.sender):
            self.ignored += 1
            log.warning("mail from %s dropped: more than %d an hour", mail.sender, self.flood.limit)
            return "ignored: too many mails from this sender"
        if self._sink is None:
            raise RuntimeError("the email channel is not started")
        await self._sink(await self._event(mail))
        self.received += 1
        return "stored"

    async def _event(self, mail: InboundMail) -> InboundEvent:
        ours = tuple(c for r in mail.references if (c := conversation_of(r)) is not None)
        address = await self.threads.continued(mail.sender, ours, mail.references, mail.ticket)
        new_thread = address is None
        text = mail.text(new_thread=new_thread) or ("" if mail.attachments else "(an empty mail)")
        return InboundEvent(
            channel=ChannelKind.EMAIL,
            platform_message_id=mail.platform_id,
            user_id=mail.sender,
            address=address or thread_address(mail.sender, mail.message_id),
            text=text[:MAX_TEXT],
            display_name=mail.display_name[:200],
            files=tuple(FileData(f.name, f.content_type, f.data) for f in mail.attachments),
        )

    # -- outbound -----------------------------------------------------------------------------

    async def send(self, message: OutboundMessage) -> None:
        thread = None
        if message.conversation_id and THREAD_MARK in message.address:
            thread = await self.threads.reply_headers(message.conversation_id)
        await self.transport.send_mail(
            compose(message, self.own_address, thread, self.button_links), message.outbox_id
        )


class _Receiver:
    """aiosmtpd handler: every mail to any recipient is offered to the channel."""

    def __init__(self, channel: EmailChannel) -> None:
        self.channel = channel

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw: Any = envelope.original_content or envelope.content or b""
        data = raw if isinstance(raw, bytes) else str(raw).encode()
        sender = envelope.mail_from if isinstance(envelope.mail_from, str) else None
        try:
            outcome = await self.channel.receive(data, sender)
        except Exception:
            log.exception("an inbound mail could not be stored; the relay will retry")
            return "451 4.3.0 cannot store the mail now, try again later"
        log.debug("inbound mail: %s", outcome)
        return "250 2.0.0 OK"
