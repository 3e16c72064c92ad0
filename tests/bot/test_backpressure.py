"""Backpressure: a flood past a process's bound is refused at the door with 503 + Retry-After,
and every message that was accepted still gets its answer.

The database writer is held (a write that waits on an event, as a slow disk or a locked
database would) while the flood arrives, so which sends fit under the bound does not depend on
how fast this machine is.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from prometheus_client.parser import text_string_to_metric_families

from classifier.base import Classifier
from store.unit_of_work import UnitOfWork

from .chat import ChatCustomer, frontdesk_of, serving, settings_for

FLOOD = 24


async def _metric(client: TestClient[Any, Any], name: str) -> float:
    text = await (await client.get("/metrics")).text()
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name:
                return float(sample.value)
    raise AssertionError(f"{name} not in /metrics")


async def _send(customer: ChatCustomer, text: str) -> tuple[int, dict[str, str], Any]:
    response = await customer.client.post(
        f"/api/chat/sessions/{customer.session_id}/messages",
        json={"text": text},
        headers=customer.auth,
    )
    return response.status, dict(response.headers), await response.json()


@pytest.mark.parametrize(
    ("bound", "limits"),
    [("messages", {"max_backlog": 4, "max_write_queue": 0}),
     ("writes", {"max_backlog": 0, "max_write_queue": 4})],
)  # fmt: skip
async def test_a_flood_past_the_bound_is_refused_and_nothing_accepted_is_lost(
    database_url: str,
    tmp_path: Path,
    trained_classifier: Classifier,
    bound: str,
    limits: dict[str, int],
) -> None:
    settings = settings_for(database_url, tmp_path, sessions_per_ip_per_min=0, **limits)
    async with serving(settings, trained_classifier) as client:
        fd = frontdesk_of(client)
        customers = [await ChatCustomer(client).open() for _ in range(FLOOD)]
        entered, release = asyncio.Event(), asyncio.Event()

        async def slow_database(_uow: UnitOfWork) -> None:
            entered.set()
            await release.wait()

        held = asyncio.create_task(fd.store.write(slow_database))
        await asyncio.wait_for(entered.wait(), 10)
        sends = [
            asyncio.create_task(_send(c, f"The export of report {i} crashes the desktop app"))
            for i, c in enumerate(customers)
        ]
        # The refused answer at once; the accepted wait for the writer, held above.
        for _ in range(400):
            if sum(t.done() for t in sends) == FLOOD - 4:
                break
            await asyncio.sleep(0.05)
        refused = [(c, t.result()) for c, t in zip(customers, sends, strict=True) if t.done()]
        assert len(refused) == FLOOD - 4
        for _, (status, headers, body) in refused:
            assert status == 503, body
            assert int(headers["Retry-After"]) >= 1
            assert "busy" in body["error"]
        if bound == "messages":
            assert await _metric(client, "frontdesk_inbound_backlog") == 4
        else:
            assert await _metric(client, "frontdesk_write_queue") == 4
        assert await _metric(client, "frontdesk_refused_total") == FLOOD - 4

        release.set()
        await held
        accepted = [c for c, t in zip(customers, sends, strict=True) if (await t)[0] == 202]
        assert len(accepted) == 4
        for customer in accepted:  # every accepted message gets the bot's answer
            reply = await customer.expect_reply(timeout=30)
            assert reply["sender"] == "bot"
        for customer, _ in refused:  # a refused message was not stored
            assert await customer.poll() == []
        again = refused[0][0]  # sent again once the backlog is gone: taken and answered
        assert (await _send(again, "The export still crashes the desktop app"))[0] == 202
        assert (await again.expect_reply(timeout=30))["sender"] == "bot"
        assert await _metric(client, "frontdesk_inbound_backlog") == 0
        assert await _metric(client, "frontdesk_inbound_backlog_oldest_seconds") == 0
