"""Processing leases on inbound messages (issue #15, "Why" 2): a message nobody answered within
its lease is claimed by exactly one sweeper, however many processes sweep at once, and a
message is marked processed exactly once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from models import ChannelKind, Message
from store.database import Store
from store.migrate import upgrade
from store.unit_of_work import UnitOfWork
from tests.store.test_store import NOW, inbound, new_conversation

LEASE = timedelta(seconds=60)


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[Store]:
    await upgrade(database_url)
    async with Store(database_url) as opened:
        yield opened


async def accept(store: Store, texts: list[str], leased: bool = True) -> list[int]:
    conversation = await store.write(new_conversation)

    async def add(uow: UnitOfWork) -> list[int]:
        stored: list[Message] = []
        for text in texts:
            stored.append(
                await uow.messages.add(
                    inbound(conversation.id, text, None),
                    ChannelKind.TELEGRAM,
                    NOW,
                    processed=False,
                    claimed_until=NOW + LEASE if leased else None,
                )
            )
        return [m.id for m in stored]

    return await store.write(add)


async def test_a_leased_message_is_claimed_only_once_its_lease_has_run_out(store: Store) -> None:
    ids = await accept(store, ["card declined", "still declined"])
    during = await store.write(lambda uow: uow.messages.claim(NOW + LEASE / 2, NOW + LEASE))
    assert during == []
    after = NOW + LEASE + timedelta(seconds=1)
    claimed = await store.write(lambda uow: uow.messages.claim(after, after + LEASE))
    assert [message_id for message_id, _ in claimed] == ids
    again = await store.write(lambda uow: uow.messages.claim(after, after + LEASE))
    assert again == [], "a claim is a new lease: nobody else takes it meanwhile"


async def test_a_processed_message_is_never_claimed_and_marked_processed_once(
    store: Store,
) -> None:
    [first, second] = await accept(store, ["one", "two"], leased=False)
    assert await store.write(lambda uow: uow.messages.mark_processed(first, NOW)) is True
    assert await store.write(lambda uow: uow.messages.mark_processed(first, NOW)) is False
    claimed = await store.write(lambda uow: uow.messages.claim(NOW, NOW + LEASE))
    assert [message_id for message_id, _ in claimed] == [second]


async def test_several_processes_sweeping_at_once_share_out_every_message_once(
    database_url: str,
) -> None:
    await upgrade(database_url)
    stores = [await Store(database_url).open() for _ in range(4)]
    try:
        ids: list[int] = []
        for batch in range(6):
            ids += await accept(stores[0], [f"message {batch}.{i}" for i in range(25)], False)

        async def sweep(store: Store) -> list[int]:
            taken: list[int] = []
            while claimed := await store.write(
                lambda uow: uow.messages.claim(NOW, NOW + LEASE, limit=7)
            ):
                taken += [message_id for message_id, _ in claimed]
                await asyncio.sleep(0)
            return taken

        shares = await asyncio.gather(*(sweep(s) for s in stores))
        everything = [message_id for share in shares for message_id in share]
        assert sorted(everything) == sorted(ids), "each message claimed exactly once"
    finally:
        for store in stores:
            await store.close()


async def test_two_processes_finishing_one_message_mark_it_processed_once(
    database_url: str,
) -> None:
    await upgrade(database_url)
    stores = [await Store(database_url).open() for _ in range(2)]
    try:
        [message_id] = await accept(stores[0], ["refund please"], False)
        results = await asyncio.gather(
            *(s.write(lambda uow: uow.messages.mark_processed(message_id, NOW)) for s in stores)
        )
        assert sorted(results) == [False, True]
    finally:
        for store in stores:
            await store.close()
