"""A whole front desk per test, a real local SMTP server (aiosmtpd) that keeps what arrives,
and a web-chat customer who talks over the HTTP API, as a person's browser would."""

from __future__ import annotations

import asyncio
import email
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import Message as MailMessage
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from aiosmtpd.smtp import SMTP, Envelope, Session

from bot.app import FRONTDESK, Frontdesk, create_app
from bot.fulfilment.reset_page import RedactedAccessLogger
from bot.settings import load_settings
from classifier.base import Classifier
from models import Ticket, TicketEvent, parse_ticket_id

LINK = re.compile(r"https?://\S+/reset/[A-Za-z0-9_\-]+")
CODE = re.compile(r"verification code is (\d{6})")


class MailHandler:
    """aiosmtpd handler: keeps every mail; addresses listed in ``refuse`` get ``refuse_with``."""

    def __init__(self) -> None:
        self.mails: list[tuple[list[str], MailMessage]] = []
        self.refuse: set[str] = set()
        self.refuse_with = "550 5.1.1 no such mailbox"
        self.arrived = asyncio.Event()

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address in self.refuse:
            return self.refuse_with
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        self.mails.append((list(envelope.rcpt_tos), email.message_from_bytes(content)))
        self.arrived.set()
        return "250 Message accepted"

    def to(self, address: str) -> list[str]:
        """Bodies of the mails that reached ``address``, oldest first."""
        return [
            str(m.get_payload(decode=True).decode())  # type: ignore[union-attr]
            for rcpts, m in self.mails
            if address in rcpts
        ]

    async def wait_for(self, address: str, count: int = 1, timeout: float = 10) -> list[str]:
        deadline = asyncio.get_running_loop().time() + timeout
        while len(self.to(address)) < count:
            left = deadline - asyncio.get_running_loop().time()
            if left <= 0:
                raise AssertionError(f"no mail #{count} to {address}; got {len(self.mails)}")
            self.arrived.clear()
            try:
                await asyncio.wait_for(self.arrived.wait(), min(left, 0.5))
            except TimeoutError:
                pass
        return self.to(address)

    def code_for(self, address: str, index: int = -1) -> str:
        found = CODE.search(self.to(address)[index])
        assert found, "the mail has no verification code"
        return found.group(1)


@dataclass
class SmtpServer:
    handler: MailHandler
    port: int


@pytest.fixture
async def smtp() -> AsyncIterator[SmtpServer]:
    handler = MailHandler()
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(handler, hostname="test"), "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    yield SmtpServer(handler, port)
    server.close()
    await server.wait_closed()


@dataclass
class Clock:
    """The desk's clock, moved by the test (expiry and timeouts without sleeping)."""

    offset: timedelta = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, **kwargs: float) -> None:
        self.offset += timedelta(**kwargs)


@dataclass
class Desk:
    """The running front desk under test, reached through its HTTP API like a customer."""

    client: TestClient
    fd: Frontdesk
    clock: Clock
    mail: MailHandler
    customers: list[Customer] = field(default_factory=list)

    async def customer(self) -> Customer:
        resp = await self.client.post("/api/chat/sessions")
        assert resp.status == 201
        body = await resp.json()
        customer = Customer(self, body["session_id"], body["token"])
        self.customers.append(customer)
        return customer

    async def add_account(
        self, email_: str, name: str, org: str | None = None, role: str = "member"
    ) -> None:
        from models.accounts import AccountRole

        await self.fd.store.write(
            lambda uow: uow.accounts.add(
                email_, name, self.clock(), org=org, role=AccountRole(role)
            )
        )

    async def account(self, email_: str) -> Any:
        return await self.fd.store.read(lambda uow: uow.accounts.by_email(email_))

    async def ticket(self, public_id: str) -> Ticket:
        return await self.fd.store.read(lambda uow: uow.tickets.get(parse_ticket_id(public_id)))

    async def events(self, public_id: str) -> list[TicketEvent]:
        tid = parse_ticket_id(public_id)
        return await self.fd.store.read(lambda uow: uow.events.for_ticket(tid))

    async def notes(self, public_id: str) -> list[str]:
        ticket = await self.ticket(public_id)
        found = await self.fd.store.read(lambda uow: uow.messages.for_ticket(ticket))
        return [m.text for m in found if m.internal]

    async def settle(self) -> None:
        assert self.fd.fulfilment is not None
        await self.fd.fulfilment.settle()


@dataclass
class Customer:
    desk: Desk
    session_id: str
    token: str
    seen: int = 0
    transcript: list[dict[str, Any]] = field(default_factory=list)

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    async def say(self, text: str | None = None, payload: str | None = None) -> None:
        body = {"text": text} if text is not None else {"payload": payload}
        resp = await self.desk.client.post(
            f"/api/chat/sessions/{self.session_id}/messages", json=body, headers=self.auth
        )
        assert resp.status == 202, await resp.text()

    async def replies(self, count: int = 1, timeout: float = 10) -> list[str]:
        """The next ``count`` bot messages (waits for the fulfilment's background jobs)."""
        got: list[dict[str, Any]] = []
        deadline = asyncio.get_running_loop().time() + timeout
        while len(got) < count:
            left = deadline - asyncio.get_running_loop().time()
            assert left > 0, f"waited for {count} replies, got {[m['text'] for m in got]}"
            resp = await self.desk.client.get(
                f"/api/chat/sessions/{self.session_id}/messages",
                params={"after": str(self.seen), "wait": str(max(1, min(5, int(left))))},
                headers=self.auth,
            )
            for m in (await resp.json())["messages"]:
                self.seen = max(self.seen, m["seq"])
                self.transcript.append(m)
                if m["sender"] != "customer":
                    got.append(m)
        return [m["text"] for m in got]

    async def ask(self, text: str, count: int = 1) -> list[str]:
        await self.say(text)
        return await self.replies(count)

    def last_buttons(self) -> list[dict[str, str]]:
        bot = [m for m in self.transcript if m["sender"] != "customer"]
        return list(bot[-1]["buttons"]) if bot else []

    def ticket_id(self) -> str:
        for m in self.transcript:
            found = re.search(r"\bFD-\d+\b", m["text"])
            if found:
                return found.group(0)
        raise AssertionError("no ticket id was given")


DeskFactory = Callable[..., Any]


@pytest.fixture
async def make_desk(
    tmp_path: Path, smtp: SmtpServer, trained_classifier: Classifier
) -> AsyncIterator[DeskFactory]:
    started: list[TestClient] = []

    async def make(database_url: str | None = None, **environ: str) -> Desk:
        env = {
            "FRONTDESK_SMTP_HOST": "127.0.0.1",
            "FRONTDESK_SMTP_PORT": str(smtp.port),
            "FRONTDESK_SMTP_FROM": "support@example.com",
            **environ,
        }
        settings = load_settings(
            environ=env,
            database_url=database_url or f"sqlite+aiosqlite:///{tmp_path}/fd-{len(started)}.db",
            data_dir=str(tmp_path),
            chat_burst=100,
            chat_rate_per_s=100.0,
        )
        app = create_app(settings, classifier=trained_classifier)
        # reset links carry their token in the path: the access log must not write it
        server = TestServer(app, port=0)
        await server.start_server(access_log_class=RedactedAccessLogger)
        client = TestClient(server)
        await client.start_server()
        started.append(client)
        fd = app[FRONTDESK]
        clock = Clock()
        fd.desk.clock = clock
        fd.delivery.clock = clock
        return Desk(client, fd, clock, smtp.handler)

    yield make
    for client in started:
        await client.close()
