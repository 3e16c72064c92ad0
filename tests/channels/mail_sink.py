"""A real SMTP server (aiosmtpd) on 127.0.0.1:0 that keeps every mail: what customers get."""

from __future__ import annotations

import asyncio
import email
import email.policy
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from email.message import EmailMessage

from aiosmtpd.smtp import SMTP, Envelope, Session


class MailSink:
    def __init__(self) -> None:
        self.mails: list[tuple[list[str], EmailMessage]] = []
        self.port = 0
        self._arrived = asyncio.Condition()

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        mail = email.message_from_bytes(
            envelope.original_content or b"", policy=email.policy.default
        )
        assert isinstance(mail, EmailMessage)
        async with self._arrived:
            self.mails.append(([str(r) for r in envelope.rcpt_tos], mail))
            self._arrived.notify_all()
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for rcpts, m in self.mails if address in rcpts]

    async def wait_for(
        self,
        address: str,
        where: Callable[[EmailMessage], bool] = lambda m: True,
        within: float = 10,
    ) -> EmailMessage:
        """The first mail to ``address`` that ``where`` accepts, waiting for it if need be."""

        def found() -> EmailMessage | None:
            return next((m for m in self.to(address) if where(m)), None)

        async with self._arrived:
            await asyncio.wait_for(self._arrived.wait_for(lambda: found() is not None), within)
        mail = found()
        assert mail is not None
        return mail


def body(mail: EmailMessage) -> str:
    part = mail.get_body(preferencelist=("plain",))
    return str(part.get_content()) if part is not None else ""


@asynccontextmanager
async def mail_sink() -> AsyncIterator[MailSink]:
    sink = MailSink()
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(sink, hostname="sink"), "127.0.0.1", 0)
    sink.port = server.sockets[0].getsockname()[1]
    try:
        yield sink
    finally:
        server.close()
        await server.wait_closed()
