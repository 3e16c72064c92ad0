"""A running front desk over HTTP, a customer on web chat and agents on the agent API."""

from __future__ import annotations

import asyncio
import shutil
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from bot.app import FRONTDESK, Frontdesk, create_app
from bot.settings import load_settings
from classifier.base import Classifier
from handoff.agents import create_agent

PASSWORD = "correct horse battery staple"


@dataclass
class LiveDesk:
    """The server under test and what it is made of."""

    server: TestServer
    fd: Frontdesk
    sessions: list[aiohttp.ClientSession] = field(default_factory=list)

    def url(self, path: str) -> str:
        return str(self.server.make_url(path))

    def http(self) -> aiohttp.ClientSession:
        session = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        self.sessions.append(session)
        return session

    async def agent(
        self, email: str, role: str = "agent", teams: tuple[str, ...] = ("support",), **kw: Any
    ) -> Agent:
        await create_agent(
            self.fd.store, email, email.split("@")[0], role, PASSWORD, teams=teams, **kw
        )
        agent = Agent(self, self.http(), email)
        await agent.login()
        return agent

    async def resolved_by_an_agent(self, text: str) -> tuple[Customer, Agent, str, dict[str, Any]]:
        """A customer writes ``text``; agent ann claims and resolves the ticket. The customer,
        ann, the ticket's public ID and the CSAT prompt the customer got."""
        customer = await self.customer()
        tid = await customer.opens_ticket(text)
        ann = await self.agent("ann@example.com")
        await ann.ok("POST", f"/api/agent/tickets/{tid}/claim")
        await ann.ok("POST", f"/api/agent/tickets/{tid}/resolve", {"resolution": "New build."})
        prompt = await customer.wait_for(lambda m: len(m["buttons"]) == 5)
        return customer, ann, tid, prompt

    async def customer(self) -> Customer:
        http = self.http()
        async with http.post(self.url("/api/chat/sessions")) as r:
            body = await r.json()
        return Customer(self, http, body["session_id"], body["token"])


@dataclass
class Agent:
    desk: LiveDesk
    http: aiohttp.ClientSession
    email: str
    csrf: str = ""
    profile: dict[str, Any] = field(default_factory=dict)

    async def login(self, password: str = PASSWORD) -> tuple[int, Any]:
        status, body = await self.call(
            "POST", "/api/agent/login", {"email": self.email, "password": password}, csrf=False
        )
        if status == 200:
            self.csrf, self.profile = body["csrf_token"], body["agent"]
        return status, body

    async def call(
        self, method: str, path: str, body: Any = None, csrf: bool = True
    ) -> tuple[int, Any]:
        headers = {"X-CSRF-Token": self.csrf} if csrf and self.csrf else {}
        async with self.http.request(
            method, self.desk.url(path), json=body if body is not None else {}, headers=headers
        ) as r:
            data = await r.json() if r.content_type == "application/json" else await r.text()
            return r.status, data

    async def ok(self, method: str, path: str, body: Any = None) -> Any:
        status, data = await self.call(method, path, body)
        assert status in (200, 201), f"{method} {path} -> {status} {data}"
        return data

    async def ticket(self, tid: str) -> dict[str, Any]:
        return dict(await self.ok("GET", f"/api/agent/tickets/{tid}"))


@dataclass
class Customer:
    desk: LiveDesk
    http: aiohttp.ClientSession
    session_id: str
    token: str
    seen: int = 0
    messages: list[dict[str, Any]] = field(default_factory=list)

    @property
    def path(self) -> str:
        return f"/api/chat/sessions/{self.session_id}/messages"

    async def say(self, text: str | None = None, payload: str | None = None) -> None:
        body = {"text": text} if text is not None else {"payload": payload}
        headers = {"Authorization": f"Bearer {self.token}"}
        async with self.http.post(self.desk.url(self.path), json=body, headers=headers) as r:
            assert r.status == 202, await r.text()

    async def poll(self, wait: float = 0) -> list[dict[str, Any]]:
        headers = {"Authorization": f"Bearer {self.token}"}
        url = self.desk.url(f"{self.path}?after={self.seen}&wait={wait}")
        async with self.http.get(url, headers=headers) as r:
            new = (await r.json())["messages"]
        for m in new:
            self.seen = max(self.seen, m["seq"])
        self.messages.extend(new)
        return list(new)

    async def wait_for(
        self, pred: Callable[[dict[str, Any]], bool], timeout: float = 10
    ) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        for m in self.messages:
            if pred(m):
                return m
        while time.monotonic() < deadline:
            for m in await self.poll(wait=1):
                if pred(m):
                    return m
        raise AssertionError(f"no such message; saw {[m['text'][:60] for m in self.messages]}")

    async def opens_ticket(self, text: str) -> str:
        import re

        await self.say(text)
        m = await self.wait_for(lambda m: re.search(r"FD-\d+", m["text"]) is not None)
        found = re.search(r"FD-\d+", m["text"])
        assert found
        return found.group(0)


@pytest.fixture
async def make_desk(
    tmp_path: Path, trained_classifier: Classifier, registry_template: Path
) -> AsyncIterator[Callable[..., Any]]:
    """Start a front desk on a database URL (settings overridable); stopped after the test."""
    started: list[LiveDesk] = []

    async def start(url: str, *, registry: bool = False, **overrides: Any) -> LiveDesk:
        """``registry=True``: serve the model registry under ``tmp_path/models`` (see the
        ``model_dir`` fixture; a copy of the trained template when there is none yet, so the
        server does not spend ~25 s training its first model) instead of the injected session
        classifier."""
        if registry and not (tmp_path / "models").exists():
            shutil.copytree(registry_template, tmp_path / "models")
        overrides.setdefault("escalation_interval_s", 0)
        settings = load_settings(environ={}, database_url=url, data_dir=str(tmp_path), **overrides)
        app = create_app(settings, classifier=None if registry else trained_classifier)
        server = TestServer(app, host="127.0.0.1")
        await server.start_server()
        desk = LiveDesk(server, app[FRONTDESK])
        started.append(desk)
        return desk

    yield start
    for desk in started:
        for session in desk.sessions:
            await session.close()
        await desk.server.close()
    await asyncio.sleep(0)


@pytest.fixture
async def desk(make_desk: Callable[..., Any], database_url: str) -> LiveDesk:
    return await make_desk(database_url)
