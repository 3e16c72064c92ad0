"""The HTTP account directory against a local aiohttp server playing the company's system."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.fulfilment.directory import DirectoryRejected, DirectoryUnavailable
from bot.fulfilment.http_directory import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    HttpDirectory,
    sign,
    verify_signature,
)
from models import ConversationState, TicketStatus

from .conftest import DeskFactory

SECRET = "shared-secret-for-tests"


@dataclass
class CompanySystem:
    """The company's user directory: checks every signature, records what it was asked."""

    accounts: dict[str, dict[str, Any]] = field(default_factory=dict)
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    mode: str = "ok"  # "ok", "500" or "slow"
    unsigned: int = 0

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        if not verify_signature(
            SECRET,
            request.headers.get(TIMESTAMP_HEADER, ""),
            body,
            request.headers.get(SIGNATURE_HEADER, ""),
        ):
            self.unsigned += 1
            return web.json_response({"error": "bad signature"}, status=401)
        data = json.loads(body)
        self.calls.append((request.path, data))
        if self.mode == "500":
            return web.json_response({"error": "down"}, status=500)
        if self.mode == "slow":
            await asyncio.sleep(2)
        if request.path == "/accounts/lookup":
            return web.json_response({"account": self.accounts.get(data["email"])})
        if request.path == "/accounts/password-reset":
            return web.json_response({"status": "accepted"}, status=202)
        if request.path == "/accounts/update":
            account = next(a for a in self.accounts.values() if a["id"] == data["account_id"])
            account.update(data["changes"])
            return web.json_response({"account": account})
        return web.json_response({"error": "unknown"}, status=404)


@pytest.fixture
async def company() -> AsyncIterator[tuple[CompanySystem, str]]:
    system = CompanySystem()
    app = web.Application()
    app.router.add_post("/{tail:.*}", system.handle)
    server = TestServer(app, port=0)
    await server.start_server()
    yield system, str(server.make_url("")).rstrip("/")
    await server.close()


def test_the_signature_covers_timestamp_and_body() -> None:
    signature = sign(SECRET, "1700000000", b'{"a":1}')
    assert signature.startswith("sha256=") and len(signature) == 7 + 64
    assert signature != sign(SECRET, "1700000001", b'{"a":1}')
    assert signature != sign(SECRET, "1700000000", b'{"a":2}')
    assert not verify_signature(SECRET, "1700000000", b'{"a":1}', signature)  # too old


async def test_lookup_and_errors_are_translated(company: tuple[CompanySystem, str]) -> None:
    system, url = company
    system.accounts["sam@example.com"] = {"id": "u-7", "email": "sam@example.com", "name": "Sam"}
    directory = HttpDirectory(url, SECRET, timeout=0.5, backoff=0.01)
    await directory.start()
    try:
        found = await directory.find("Sam@Example.com")
        assert found is not None and found.id == "u-7" and found.name == "Sam"
        assert await directory.find("nobody@example.com") is None
        with pytest.raises(DirectoryRejected):
            await directory.grant_feature(found, "sso")  # 404 from the company's side
        system.mode = "500"
        with pytest.raises(DirectoryUnavailable):
            await directory.find("sam@example.com")
        assert len([c for c in system.calls if c[0] == "/accounts/lookup"]) == 5  # 2 + 3 tries
    finally:
        await directory.close()
    assert system.unsigned == 0


async def test_password_reset_asks_the_company_to_mail_its_own_link(
    make_desk: DeskFactory, company: tuple[CompanySystem, str]
) -> None:
    system, url = company
    desk = await make_desk(
        FRONTDESK_ACCOUNT_BACKEND_URL=url, FRONTDESK_ACCOUNT_BACKEND_SECRET=SECRET
    )
    tom = await desk.customer()
    await tom.ask("forgot my password", count=2)
    words = await tom.ask("tom@example.com", count=2)
    assert "our account system has just emailed" in words[0] and "resolved" in words[1]
    assert (
        "/accounts/password-reset",
        {"email": "tom@example.com", "reference": tom.ticket_id()},
    ) in system.calls
    ticket = await desk.ticket(tom.ticket_id())
    assert ticket.status is TicketStatus.RESOLVED and ticket.auto_fulfilled
    assert desk.mail.mails == [], "the company's system sends that mail, not us"


@pytest.mark.parametrize("mode", ["500", "slow"])
async def test_a_failing_account_system_hands_the_ticket_to_an_agent(
    make_desk: DeskFactory, company: tuple[CompanySystem, str], mode: str
) -> None:
    system, url = company
    system.mode = mode
    desk = await make_desk(
        FRONTDESK_ACCOUNT_BACKEND_URL=url,
        FRONTDESK_ACCOUNT_BACKEND_SECRET=SECRET,
        FRONTDESK_ACCOUNT_BACKEND_TIMEOUT="0.3",
    )
    uma = await desk.customer()
    await uma.ask("I want to change the name on my account", count=2)
    words = await uma.ask("uma@example.com")
    assert "couldn't reach our account system" in words[0] and "human agent" in words[0]
    ticket = await desk.ticket(uma.ticket_id())
    conversation = await desk.fd.store.read(
        lambda uow: uow.conversations.get(ticket.conversation_id)
    )
    assert conversation.state is ConversationState.WAITING_FOR_AGENT
    assert "fulfilment:backend_error" in [e.kind for e in await desk.events(uma.ticket_id())]
    assert any("uma@example.com" in n for n in await desk.notes(uma.ticket_id()))
