"""Two delivery workers on one database (two processes in production: each its own pool):
every outbox message goes out exactly once, whichever worker leases it (issue #15, 8b)."""

from __future__ import annotations

import asyncio
from collections import Counter

from bot.delivery import DeliveryWorker
from bot.ports import OutboundMessage
from models import OutboxBody
from service.bus import EventBus
from store.database import Store
from store.migrate import upgrade
from store.unit_of_work import UnitOfWork
from tests.store.test_store import NOW

MESSAGES = 120


async def test_two_workers_racing_over_one_outbox_send_each_message_exactly_once(
    database_url: str,
) -> None:
    await upgrade(database_url)
    sent: list[tuple[str, int]] = []

    def sender(worker: str):  # type: ignore[no-untyped-def]
        async def send(message: OutboundMessage) -> None:
            await asyncio.sleep(0.002)  # a platform call: the other worker runs meanwhile
            assert message.outbox_id is not None
            sent.append((worker, message.outbox_id))

        return send

    async with Store(database_url) as one, Store(database_url) as two:

        async def enqueue(uow: UnitOfWork) -> list[int]:
            return [
                await uow.outbox.add("telegram", f"chat-{n % 7}", OutboxBody(f"reply {n}"), NOW)
                for n in range(MESSAGES)
            ]

        ids = await one.write(enqueue)
        workers = [
            DeliveryWorker(store, {"telegram": sender(name)}, EventBus(), lambda: NOW, batch=25)
            for name, store in (("a", one), ("b", two))
        ]

        async def run(worker: DeliveryWorker) -> None:  # the job's rounds, until all is sent
            while await worker.store.read(lambda uow: uow.outbox.depth()):
                if not await worker.deliver_due():
                    await asyncio.sleep(0.001)  # lost this round's race: the next one

        await asyncio.wait_for(asyncio.gather(*(run(w) for w in workers)), timeout=60)
        depth = await two.read(lambda uow: uow.outbox.depth())

    per_message = Counter(outbox_id for _, outbox_id in sent)
    assert sorted(per_message) == sorted(ids)
    assert set(per_message.values()) == {1}, "a message went out twice"
    assert {worker for worker, _ in sent} == {"a", "b"}, "the race never happened"
    assert depth == 0
    assert workers[0].sent + workers[1].sent == MESSAGES
