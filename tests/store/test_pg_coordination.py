"""What several processes on one PostgreSQL coordinate through: live updates over
LISTEN/NOTIFY, and one owner per background job by advisory locks. Two of each here stand for
two processes (each has its own connections, as a process would)."""

from __future__ import annotations

import asyncio

from service.bus import EventBus
from store.advisory_locks import AdvisoryLocks
from store.pg_notify import NotifyRelay


async def test_a_publish_in_one_process_wakes_the_waiters_of_another(postgres_url: str) -> None:
    here, there = EventBus(), EventBus()
    relays = [NotifyRelay(postgres_url, bus.deliver) for bus in (here, there)]
    for bus, relay in zip((here, there), relays, strict=True):
        await relay.start()
        bus.relay = relay.send
    try:
        queue = there.subscribe("tickets")
        woken = there.listen(("conversation", 7))
        mine = here.listen(("conversation", 7))
        here.publish(("conversation", 7), 3)
        here.publish("tickets", 1001)
        await asyncio.wait_for(woken.wait(), 10)
        assert mine.is_set()  # its own waiters at once, and only once
        assert await asyncio.wait_for(queue.get(), 10) == 1001
        assert relays[0].received == 0  # a process ignores its own notifications
        big = [f"topic-{i}" for i in range(600)]  # past one notification's 8,000 bytes
        waiters = [there.listen(topic) for topic in big]
        for topic in big:
            here.publish(topic)
        await asyncio.wait_for(asyncio.gather(*(w.wait() for w in waiters)), 10)
    finally:
        for relay in relays:
            await relay.stop()


async def test_one_process_holds_a_job_and_another_takes_it_when_it_ends(
    postgres_url: str,
) -> None:
    first, second = AdvisoryLocks(postgres_url), AdvisoryLocks(postgres_url)
    try:
        assert await first.holds("escalation")
        assert await first.holds("escalation")  # still its own
        assert not await second.holds("escalation")
        assert await second.holds("spike-check")  # another job, another owner
        assert not await first.holds("spike-check")
        await first.close()  # its session ends (as when its process is killed)
        assert await second.holds("escalation")
        assert second.held == {"escalation", "spike-check"}
    finally:
        await first.close()
        await second.close()
