"""Mail: the outbox's ``"email"`` channel, over SMTP (aiosmtplib) or into .eml files.

Mails are queued in the outbox like chat messages (in the transaction that decided to send
them), so a crash neither loses nor doubles one beyond the outbox's at-least-once lease. Each
mail's Message-ID is derived from its outbox id, so a repeated delivery is recognisable.

SMTP failures are translated here, once: a 5xx refusal is permanent, a 4xx answer or a network
problem is temporary (the delivery worker retries with backoff). Bodies are never logged.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

import aiosmtplib

from bot.ports import ChannelPermanentError, ChannelTemporaryError, OutboundMessage

log = logging.getLogger(__name__)


def compose(message: OutboundMessage, sender: str) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = message.address
    mail["Subject"] = message.extra.get("subject", "A message from support")
    mail["Date"] = formatdate(localtime=False)
    domain = sender.rsplit("@", 1)[-1] or "frontdesk"
    mail["Message-ID"] = (
        f"<outbox-{message.outbox_id}@{domain}>" if message.outbox_id else make_msgid()
    )
    mail.set_content(message.text)
    return mail


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
        cfg = self.config
        try:
            await aiosmtplib.send(
                compose(message, cfg.sender),
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
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            name = f"{message.outbox_id:08d}.eml" if message.outbox_id else make_msgid()[1:-1]
            target = self.directory / name
            temporary = target.with_suffix(".tmp")
            temporary.write_bytes(bytes(compose(message, self.sender)))
            os.replace(temporary, target)  # atomic: a redelivery rewrites the same file
        except OSError as exc:
            raise ChannelTemporaryError(f"cannot write the mail file: {exc.strerror}") from exc
