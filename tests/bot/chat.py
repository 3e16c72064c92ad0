"""A web-chat customer for tests: talks to a real Frontdesk app over its HTTP API."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient, TestServer

from bot.app import FRONTDESK, Frontdesk, create_app
from bot.settings import Settings, load_settings
from classifier.base import Classifier

TICKET_ID = re.compile(r"\bFD-\d+\b")


def settings_for(database_url: str, tmp_path: Path, **overrides: Any) -> Settings:
    return load_settings(environ={}, database_url=database_url, data_dir=str(tmp_path), **overrides)


@asynccontextmanager
async def serving(
    settings: Settings, classifier: Classifier, **kwargs: Any
) -> AsyncIterator[TestClient[Any, Any]]:
    app = create_app(settings, classifier=classifier, **kwargs)
    async with TestClient(TestServer(app)) as client:
        yield client


def frontdesk_of(client: TestClient[Any, Any]) -> Frontdesk:
    return client.app[FRONTDESK]


class ChatCustomer:
    """Opens a session, says things, and reads what the front desk answers."""

    def __init__(self, client: TestClient[Any, Any]) -> None:
        self.client = client
        self.session_id = ""
        self.token = ""
        self.seen = 0
        self.transcript: list[dict[str, Any]] = []

    async def open(self) -> ChatCustomer:
        response = await self.client.post("/api/chat/sessions")
        assert response.status == 201, await response.text()
        body = await response.json()
        self.session_id, self.token = body["session_id"], body["token"]
        return self

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    async def say(self, text: str | None = None, payload: str | None = None) -> int:
        body = {"text": text} if text is not None else {"payload": payload}
        response = await self.client.post(
            f"/api/chat/sessions/{self.session_id}/messages", json=body, headers=self.auth
        )
        assert response.status == 202, await response.text()
        return int((await response.json())["message_id"])

    async def poll(self, wait: float = 0) -> list[dict[str, Any]]:
        response = await self.client.get(
            f"/api/chat/sessions/{self.session_id}/messages",
            params={"after": str(self.seen), "wait": str(wait)},
            headers=self.auth,
        )
        assert response.status == 200, await response.text()
        new: list[dict[str, Any]] = (await response.json())["messages"]
        for message in new:
            self.seen = max(self.seen, message["seq"])
        self.transcript.extend(new)
        return new

    async def expect(
        self, predicate: Callable[[dict[str, Any]], bool], timeout: float = 10
    ) -> dict[str, Any]:
        """The first message (already seen or arriving within ``timeout``) matching."""
        for message in self.transcript:
            if predicate(message):
                return message
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while (remaining := deadline - loop.time()) > 0:
            for message in await self.poll(wait=min(remaining, 5)):
                if predicate(message):
                    return message
        raise AssertionError(f"no matching message; transcript: {self.texts()}")

    async def expect_reply(self, timeout: float = 10) -> dict[str, Any]:
        count = len(self.transcript)
        return await self.expect(
            lambda m: m["sender"] != "customer" and self.transcript.index(m) >= count, timeout
        )

    def texts(self, sender: str | None = None) -> list[str]:
        return [m["text"] for m in self.transcript if sender is None or m["sender"] == sender]

    def ticket_id(self) -> str:
        for text in self.texts("bot"):
            match = TICKET_ID.search(text)
            if match:
                return match.group(0)
        raise AssertionError(f"the bot named no ticket: {self.texts()}")
