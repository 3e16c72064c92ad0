"""A whole front desk served over HTTP for the platform stories, and an agent on its API.

The app is the one ``frontdesk run`` serves (``create_app``), started on a socket bound before
the settings are made, so a Telegram webhook URL can name the app's own port.
"""

from __future__ import annotations

import asyncio
import re
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from bot.app import FRONTDESK, Frontdesk, create_app
from bot.settings import Settings, load_settings
from classifier.base import Classifier
from handoff.agents import create_agent
from handoff.views import TicketDetails, load_details
from models import ChannelKind, Customer, SenderKind, Ticket, TicketFilter, parse_ticket_id

PASSWORD = "correct horse battery staple"
TICKET_ID = re.compile(r"\bFD-\d+\b")


def ticket_id_in(text: str) -> str:
    found = TICKET_ID.search(text)
    assert found, f"no ticket id in {text!r}"
    return found.group(0)


@dataclass
class LiveDesk:
    """One running front desk; :meth:`stop` is a clean shutdown (a restart starts another)."""

    settings: Settings
    runner: web.AppRunner
    url: str
    sessions: list[aiohttp.ClientSession] = field(default_factory=list)
    stopped: bool = False

    @property
    def fd(self) -> Frontdesk:
        return self.runner.app[FRONTDESK]

    def http(self) -> aiohttp.ClientSession:
        session = aiohttp.ClientSession(
            base_url=self.url, cookie_jar=aiohttp.CookieJar(unsafe=True)
        )
        self.sessions.append(session)
        return session

    async def agent(self, email: str) -> Agent:
        await create_agent(self.fd.store, email, email.split("@")[0], "agent", PASSWORD)
        agent = Agent(self.http())
        await agent.login(email)
        return agent

    async def details(self, public_id: str) -> TicketDetails:
        tid = parse_ticket_id(public_id)
        return await self.fd.store.read(lambda uow: load_details(uow, tid))

    async def tickets(self) -> list[Ticket]:
        return await self.fd.store.read(lambda uow: uow.tickets.list(TicketFilter(limit=100)))

    async def customer(self, channel: ChannelKind, external_id: str) -> Customer:
        async def find(uow: Any) -> Customer:
            found = await uow.customers.find(channel, external_id)
            assert found is not None, f"no {channel} customer {external_id}"
            return found

        return await self.fd.store.read(find)

    async def stop(self) -> None:
        if self.stopped:
            return
        self.stopped = True
        for session in self.sessions:
            await session.close()
        self.sessions.clear()
        await self.runner.cleanup()


@dataclass
class Agent:
    """An agent on the JSON API: logged in, with the CSRF token every change needs."""

    http: aiohttp.ClientSession
    csrf: str = ""

    async def login(self, email: str) -> None:
        body = await self.ok("POST", "/api/agent/login", {"email": email, "password": PASSWORD})
        self.csrf = body["csrf_token"]

    async def ok(self, method: str, path: str, body: Any = None) -> Any:
        headers = {"X-CSRF-Token": self.csrf} if self.csrf else {}
        async with self.http.request(method, path, json=body or {}, headers=headers) as r:
            data = await r.json()
            assert r.status in (200, 201), f"{method} {path} -> {r.status} {data}"
            return data

    async def claim(self, public_id: str) -> None:
        await self.ok("POST", f"/api/agent/tickets/{public_id}/claim")

    async def reply(self, public_id: str, text: str) -> None:
        await self.ok("POST", f"/api/agent/tickets/{public_id}/messages", {"text": text})

    async def resolve(self, public_id: str, resolution: str) -> None:
        await self.ok("POST", f"/api/agent/tickets/{public_id}/resolve", {"resolution": resolution})

    async def ticket(self, public_id: str) -> dict[str, Any]:
        return dict(await self.ok("GET", f"/api/agent/tickets/{public_id}"))


StartDesk = Callable[..., Any]


def free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


async def start_desk(
    database_url: str,
    tmp_path: Path,
    classifier: Classifier,
    *,
    sock: socket.socket | None = None,
    **overrides: Any,
) -> LiveDesk:
    """Serve ``create_app`` on ``sock`` (a fresh port by default) with these settings."""
    sock = sock or free_socket()
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    overrides.setdefault("escalation_interval_s", 0)
    overrides.setdefault("spike_check_interval_s", 0)
    settings = load_settings(
        environ={}, database_url=database_url, data_dir=str(tmp_path), **overrides
    )
    runner = web.AppRunner(create_app(settings, classifier=classifier), shutdown_timeout=0.5)
    await runner.setup()  # starts the front desk, its channels included
    await web.SockSite(runner, sock).start()
    return LiveDesk(settings, runner, url)


async def eventually(check: Callable[[], Any], within: float = 5.0) -> None:
    """Polls ``check`` (a coroutine function) until it is true: for state inside the store."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not await check():
        assert loop.time() < deadline, "the condition never became true"
        await asyncio.sleep(0.05)


async def customer_said(desk: LiveDesk, tid: str, fragment: str) -> bool:
    messages = (await desk.details(tid)).messages
    return any(fragment in m.text for m in messages if m.sender is SenderKind.CUSTOMER)
