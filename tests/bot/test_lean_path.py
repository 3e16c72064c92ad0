"""What one web-chat message costs the database (issue #11): a first message in at most 15
written statements over 2 transactions (16 with the per-address ticket limit on, as shipped:
its count is one more statement per new web-chat ticket; 3 more when the hand-off asks a
customer it does not know yet for a name and email: one more message), an acknowledged
follow-up in at most 8 and a silent one in at most 4, each in one transaction; web-chat replies
need no outbox round trip."""

from __future__ import annotations

import asyncio
from pathlib import Path

from aiohttp.test_utils import TestClient, TestServer

from bot.app import FRONTDESK, create_app
from bot.settings import load_settings
from classifier.base import Classifier
from store.unit_of_work import UnitOfWork


async def test_a_conversation_costs_few_statements(
    database_url: str, tmp_path: Path, trained_classifier: Classifier
) -> None:
    settings = load_settings(
        environ={}, database_url=database_url, data_dir=str(tmp_path),
        spike_check_interval_s=0, escalation_interval_s=0,
    )  # fmt: skip
    app = create_app(settings, classifier=trained_classifier)
    async with TestClient(TestServer(app)) as client:
        fd = client.server.app[FRONTDESK]
        store = fd.store
        session = await (await client.post("/api/chat/sessions")).json()
        auth = {"Authorization": f"Bearer {session['token']}"}
        url = f"/api/chat/sessions/{session['session_id']}/messages"
        seen = 0

        async def send(text: str, reply: bool) -> tuple[int, int]:
            """(statements written, commits) until the message is handled."""
            nonlocal seen
            processed = fd.engine.processed
            written, commits = store.statements_written, store.batches
            assert (await client.post(url, json={"text": text}, headers=auth)).status == 202
            while fd.engine.processed == processed:  # noqa: ASYNC110 - polls a counter
                await asyncio.sleep(0.01)
            found = await (await client.get(url, params={"after": seen}, headers=auth)).json()
            seen = max([seen, *(m["seq"] for m in found["messages"])])
            assert any(m["sender"] == "bot" for m in found["messages"]) is reply, found
            return store.statements_written - written, store.batches - commits

        first = await send("Card payments keep failing at checkout for all our customers", True)
        follow_up = await send("It is still happening, any news?", True)
        silent = await send("One more detail: it started this morning.", False)
        depth = await store.read(lambda uow: uow.outbox.depth())

        async def replies(uow: UnitOfWork) -> list[str]:
            messages = await uow.messages.in_conversation(1)
            return [m.sender.value for m in messages]

        senders = await store.read(replies)
    ticket_limit = 1 if settings.tickets_per_ip_per_hour else 0  # FRONTDESK_TICKETS_PER_IP_...
    identity_question = 3  # the hand-off's "what name and email..." (service/identity.py)
    assert first[0] <= 15 + ticket_limit + identity_question and first[1] <= 2, first
    assert follow_up[0] <= 8 and follow_up[1] == 1, follow_up
    assert silent[0] <= 4 and silent[1] == 1, silent
    assert depth == 0  # web chat's replies are read from the store, never queued for delivery
    assert senders == ["customer", "bot", "bot", "customer", "bot", "customer"]
