"""PostgreSQL goes away under load and comes back: every message that got a 202 gets exactly
one reply, without a restart; while it is away every endpoint answers 503 with Retry-After and
``/healthz`` says the database is down (issue #15, "Why" 2 and 6).

The database is cut with a TCP proxy in front of it (tests/fault_proxy.py): open connections
are reset and new ones refused, as when the server is stopped or the network fails.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy.engine import make_url

from bot.recovery import APOLOGY
from classifier.base import Classifier
from tests.bot.chat import frontdesk_of, serving, settings_for
from tests.fault_proxy import FaultProxy

pytestmark = pytest.mark.postgres

CUSTOMERS = 12


class Talker:
    """A customer who says ``/status`` and waits for the answer, again and again, retrying
    whatever the front desk cannot take right now."""

    def __init__(self, client: TestClient[Any, Any]) -> None:
        self.client = client
        self.accepted: list[str] = []  # what was answered 202
        self.refused = 0  # 503s seen
        self.stop = False
        self.session = ""
        self.token = ""

    async def call(self, method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
        while True:
            response = await self.client.request(method, path, **kwargs)
            if response.status != 503:
                return response.status, await response.json()
            assert response.headers["Retry-After"].isdigit()
            self.refused += 1
            await asyncio.sleep(0.1)

    async def open(self) -> None:
        status, body = await self.call("POST", "/api/chat/sessions")
        assert status == 201, body
        self.session, self.token = body["session_id"], body["token"]

    @property
    def messages(self) -> str:
        return f"/api/chat/sessions/{self.session}/messages"

    async def talk(self) -> None:
        headers = {"Authorization": f"Bearer {self.token}"}
        seen = 0
        while not self.stop:
            text = f"/status {len(self.accepted) + 1}"
            status, body = await self.call(
                "POST", self.messages, json={"text": text}, headers=headers
            )
            assert status == 202, body
            self.accepted.append(text)
            answered = False
            while not answered and not self.stop:
                status, body = await self.call(
                    "GET", self.messages, headers=headers, params={"after": str(seen), "wait": "1"}
                )
                for message in body["messages"]:
                    seen = max(seen, message["seq"])
                    answered = answered or message["sender"] == "bot"

    async def transcript(self) -> list[dict[str, Any]]:
        headers = {"Authorization": f"Bearer {self.token}"}
        _, body = await self.call("GET", self.messages, headers=headers)
        return list(body["messages"])


def accepted(talkers: list[Talker]) -> int:
    return sum(len(t.accepted) for t in talkers)


async def until(condition: Callable[[], bool], timeout: float = 60) -> None:
    """Wait for ``condition`` (a loaded machine is slow; the test waits for what it needs)."""
    for _ in range(int(timeout * 10)):
        if condition():
            return
        await asyncio.sleep(0.1)


async def test_the_database_goes_away_under_load_and_every_accepted_message_is_answered_once(
    postgres_url: str, tmp_path: Path, trained_classifier: Classifier
) -> None:
    target = make_url(postgres_url)
    with FaultProxy(target.host or "127.0.0.1", target.port or 5432) as proxy:
        url = target.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
        settings = settings_for(
            url, tmp_path, processing_lease_s=2.0, sweep_interval_s=0.5, chat_burst=1000
        )
        async with serving(settings, trained_classifier) as client:
            talkers = [Talker(client) for _ in range(CUSTOMERS)]
            for talker in talkers:
                await talker.open()
            load = [asyncio.create_task(t.talk()) for t in talkers]
            await until(lambda: accepted(talkers) >= 2 * CUSTOMERS)  # real traffic, busy or not
            before = accepted(talkers)
            proxy.cut()
            await asyncio.sleep(0.5)
            for method, path in (
                ("POST", "/api/chat/sessions"),
                ("POST", f"/api/chat/sessions/{talkers[0].session}/messages"),
                ("POST", "/api/agent/login"),
                ("GET", "/api/agent/tickets"),
            ):
                headers = {"Authorization": f"Bearer {talkers[0].token}"}
                response = await client.request(
                    method,
                    path,
                    json={"text": "hi", "email": "a@b.c", "password": "x"},
                    headers=headers,
                )
                assert response.status in (401, 503), (method, path, await response.text())
                if response.status == 503:
                    assert response.headers["Retry-After"].isdigit()
                    assert "error" in await response.json()
            health = await client.get("/healthz")
            assert health.status == 503 and health.headers["Retry-After"]
            await asyncio.sleep(3)
            proxy.restore()
            await until(lambda: accepted(talkers) >= before + 2 * CUSTOMERS)
            for talker in talkers:
                talker.stop = True
            await asyncio.gather(*load)

            assert sum(t.refused for t in talkers) > 0, "the outage was not felt"
            assert (await client.get("/healthz")).status == 200
            lost = stranded = doubled = apologies = 0
            deadline = asyncio.get_running_loop().time() + 30
            while True:
                lost = stranded = doubled = apologies = 0
                for talker in talkers:
                    transcript = await talker.transcript()
                    said = [m for m in transcript if m["sender"] == "customer"]
                    answers = [m for m in transcript if m["sender"] == "bot"]
                    lost += len(set(talker.accepted) - {m["text"] for m in said})
                    stranded += max(0, len(said) - len(answers))
                    doubled += max(0, len(answers) - len(said))
                    apologies += sum(m["text"] == APOLOGY for m in answers)
                if not stranded or asyncio.get_running_loop().time() > deadline:
                    break
                await asyncio.sleep(0.5)
            total = accepted(talkers)
            assert total > before >= 2 * CUSTOMERS, "messages were accepted before and after"
            assert (lost, stranded, doubled) == (0, 0, 0), (total, lost, stranded, doubled)
            assert apologies == 0, "an outage is waited out, not apologised for"
            assert frontdesk_of(client).jobs["sweep"].running
