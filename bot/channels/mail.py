"""Mail: the outbox's ``"email"`` channel, over SMTP (aiosmtplib) or into .eml files.

Mails are queued in the outbox like chat messages (in the transaction that decided to send
them), so a crash neither loses nor doubles one beyond the outbox's at-least-once lease. Each
mail's Message-ID is derived from its outbox id, so a repeated delivery is recognisable.

SMTP failures are translated here, once: a 5xx refusal is permanent, a 4xx answer or a network
problem is temporary (the delivery worker retries with backoff). Bodies are never logged.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from pathlib import Path

import aiosmtplib

from bot.ports import ChannelPermanentError, ChannelTemporaryError, MailThread, OutboundMessage

log = logging.getLogger(__name__)

THREAD_MARK = "#"
"""An email conversation's address is ``customer@example.com#<thread token>``."""
_OUR_ID = re.compile(r"^<fd\.c(\d+)\.o\d+@[^>]*>$")


def thread_address(sender: str, message_id: str) -> str:
    """The conversation address of a new mail thread: its customer and a token of its first
    Message-ID (one customer may have several threads, each its own ticket)."""
    token = hashlib.sha256(message_id.encode()).hexdigest()[:12]
    return f"{sender[:180]}{THREAD_MARK}{token}"


def recipient(address: str) -> str:
    """Where a mail to ``address`` (a conversation's, or a plain address) goes."""
    head, mark, token = address.rpartition(THREAD_MARK)
    return head if mark and len(token) == 12 else address


def conversation_of(message_id: str) -> int | None:
    """The conversation id in one of our own Message-IDs (``<fd.c12.o34@desk>``), else None."""
    found = _OUR_ID.match(message_id)
    return int(found.group(1)) if found else None


def reply_subject(thread: MailThread) -> str:
    subject = thread.subject.strip() or "Your support request"
    if not subject.lower().startswith("re:"):
        subject = f"Re: {subject}"
    return f"{subject} [{thread.ticket}]" if thread.ticket else subject


def signature(extra: Mapping[str, str], sender: str) -> str:
    """The sign-off of a reply in a customer's mail thread, after the usual ``-- `` line (mail
    programs grey it out and leave it out of quotes).

    An agent signs with their display name over their team and the desk's name ("Ann" /
    "Billing team · Acme Support"), as a person would; the bot's words with the desk's name
    alone, so nobody takes them for a person's. The desk's name is the display name of the
    From address (``FRONTDESK_SMTP_FROM="Acme Support <help@acme.com>"``), which the customer
    already sees as the sender; "Support" without one.
    """
    desk = " ".join(parseaddr(sender)[0].split()) or "Support"
    agent = " ".join(extra.get("agent", "").split())
    if extra.get("sender") == "agent" and agent:
        team = " ".join(extra.get("team", "").split())
        if team and team.lower() not in desk.lower():
            return f"\n\n-- \n{agent}\n{team[:1].upper()}{team[1:]} team · {desk}"
        return f"\n\n-- \n{agent}\n{desk}"
    if extra.get("sender") in ("bot", "system"):
        return f"\n\n-- \n{desk}"
    return ""


def compose(
    message: OutboundMessage,
    sender: str,
    thread: MailThread | None = None,
    links: ButtonLinks | None = None,
) -> EmailMessage:
    """The mail for ``message``; with ``thread`` a reply in an email conversation (threading
    headers, the ticket ID in the subject, ``Auto-Submitted`` on the bot's own words).
    ``links`` turns a button into a link where it can (the CSAT rating pages)."""
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = recipient(message.address)
    mail["Date"] = formatdate(localtime=False)
    domain = sender.rsplit("@", 1)[-1].strip("> ") or "frontdesk"
    if thread is not None and message.conversation_id:
        mail["Subject"] = reply_subject(thread)
        mail["Message-ID"] = f"<fd.c{message.conversation_id}.o{message.outbox_id}@{domain}>"
        if thread.in_reply_to:
            mail["In-Reply-To"] = thread.in_reply_to
            mail["References"] = " ".join(thread.references)
        if message.extra.get("sender") in ("bot", "system"):
            mail["Auto-Submitted"] = "auto-replied"  # RFC 3834: other robots do not answer
    else:
        mail["Subject"] = message.extra.get("subject", "A message from support")
        mail["Message-ID"] = (
            f"<outbox-{message.outbox_id}@{domain}>" if message.outbox_id else make_msgid()
        )
    text = message.text
    in_thread = thread is not None and message.conversation_id
    if message.buttons:
        urls = [
            links(message.conversation_id, b.payload) if links and message.conversation_id else None
            for b in message.buttons
        ]
        text += "\n\n" + "\n".join(
            f"- {b.label}: {url}" if url else f"- {b.label}"
            for b, url in zip(message.buttons, urls, strict=True)
        )
        text += "\n(click your choice)" if all(urls) else "\n(reply with your choice)"
    if in_thread:
        text += signature(message.extra, sender)
    mail.set_content(text)
    for file in message.files:  # agents' files, as attachments
        maintype, _, subtype = file.content_type.partition("/")
        mail.add_attachment(
            file.data, maintype=maintype, subtype=subtype or "octet-stream", filename=file.name
        )
    return mail


ButtonLinks = Callable[[int, str], str | None]
"""(conversation id, button payload) -> a page that presses the button, or None."""


@dataclass(frozen=True, slots=True)
class SmtpConfig:
    host: str
    port: int = 25
    sender: str = "support@localhost"
    user: str = ""
    password: str = ""
    starttls: bool = False
    timeout: float = 20.0


class SmtpMailSender:
    """Delivers ``"email"`` outbox items to an SMTP server (STARTTLS and login when given)."""

    def __init__(self, config: SmtpConfig) -> None:
        self.config = config

    def describe(self) -> str:
        return f"mail goes to the SMTP server {self.config.host}:{self.config.port}"

    async def send(self, message: OutboundMessage) -> None:
        await self.send_mail(compose(message, self.config.sender), message.outbox_id)

    async def send_mail(self, mail: EmailMessage, outbox_id: int = 0) -> None:
        """Deliver a composed mail; raises only ``ChannelSendError`` subclasses."""
        cfg = self.config
        try:
            await aiosmtplib.send(
                mail,
                hostname=cfg.host,
                port=cfg.port,
                username=cfg.user or None,
                password=cfg.password or None,
                start_tls=cfg.starttls,
                timeout=cfg.timeout,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            codes = [r.code for r in exc.recipients]
            if all(400 <= code < 500 for code in codes):
                raise ChannelTemporaryError(f"SMTP recipient deferred ({codes})") from exc
            raise ChannelPermanentError(f"SMTP recipient refused ({codes})") from exc
        except aiosmtplib.SMTPAuthenticationError as exc:
            # a wrong password is an operator's problem: keep retrying (with backoff) until fixed
            raise ChannelTemporaryError(f"SMTP login failed ({exc.code})") from exc
        except aiosmtplib.SMTPResponseException as exc:
            if 500 <= exc.code < 600:
                raise ChannelPermanentError(f"SMTP refused the mail ({exc.code})") from exc
            raise ChannelTemporaryError(f"SMTP deferred the mail ({exc.code})") from exc
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            raise ChannelTemporaryError(f"SMTP unreachable: {type(exc).__name__}") from exc


class FileMailSender:
    """No SMTP configured: each mail becomes an .eml file in ``directory`` (``make run``)."""

    def __init__(self, directory: Path, sender: str) -> None:
        self.directory = directory
        self.sender = sender

    def describe(self) -> str:
        return f"no SMTP configured (FRONTDESK_SMTP_HOST): mails are written to {self.directory}/"

    async def send(self, message: OutboundMessage) -> None:
        await self.send_mail(compose(message, self.sender), message.outbox_id)

    async def send_mail(self, mail: EmailMessage, outbox_id: int = 0) -> None:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            name = f"{outbox_id:08d}.eml" if outbox_id else make_msgid()[1:-1]
            target = self.directory / name
            temporary = target.with_suffix(".tmp")
            temporary.write_bytes(bytes(mail))
            os.replace(temporary, target)  # atomic: a redelivery rewrites the same file
        except OSError as exc:
            raise ChannelTemporaryError(f"cannot write the mail file: {exc.strerror}") from exc
