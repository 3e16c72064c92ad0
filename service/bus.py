"""Notifications: who to wake when a conversation or a ticket changes.

Waiters (a long-polling web-chat client, the console's event stream, the delivery worker)
re-read the database after waking. Within a process the bus wakes them at once. Across
processes on PostgreSQL, ``relay`` forwards every publish to the others (``store/pg_notify.py``:
LISTEN/NOTIFY), which :meth:`EventBus.deliver` to their own waiters; a notification lost with
its connection costs only speed, because waiters also wake every few seconds on their own.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class EventBus:
    """Topics are plain keys such as ``("conversation", 7)`` or ``"tickets"``."""

    _waiters: dict[Hashable, set[asyncio.Event]] = field(default_factory=lambda: defaultdict(set))
    _subscribers: dict[Hashable, set[asyncio.Queue[Any]]] = field(
        default_factory=lambda: defaultdict(set)
    )
    _handlers: dict[Hashable, list[Callable[[Any], None]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    relay: Callable[[Hashable, Any], None] | None = None
    """Forwards each publish to the other processes (set by the composition root)."""

    def publish(self, topic: Hashable, payload: Any = None) -> None:
        """Wake this process's waiters on ``topic`` and, through ``relay``, the others'."""
        self.deliver(topic, payload)
        if self.relay is not None:
            self.relay(topic, payload)

    def deliver(self, topic: Hashable, payload: Any = None) -> None:
        """Wake this process's waiters only (a publish relayed from another process)."""
        for handler in self._handlers.get(topic, ()):
            handler(payload)
        for event in self._waiters.pop(topic, set()):
            event.set()
        for queue in list(self._subscribers.get(topic, ())):
            if queue.qsize() < 1000:  # a stuck subscriber must not grow memory forever
                queue.put_nowait(payload)

    def on(self, topic: Hashable, handler: Callable[[Any], None]) -> None:
        """Call ``handler(payload)`` for every publish on ``topic``, this process's and the
        others' (state every process keeps, such as who is typing); it must not block."""
        self._handlers[topic].append(handler)

    def listen(self, topic: Hashable) -> asyncio.Event:
        """An event set by the next publish on ``topic``; register it *before* reading state,
        so a change between the read and the wait is not missed. Pair with :meth:`forget`."""
        event = asyncio.Event()
        self._waiters[topic].add(event)
        return event

    def forget(self, topic: Hashable, event: asyncio.Event) -> None:
        waiters = self._waiters.get(topic)
        if waiters is not None:
            waiters.discard(event)
            if not waiters:
                self._waiters.pop(topic, None)

    async def wait(self, topic: Hashable, seconds: float) -> bool:
        """Wait until ``topic`` is published or ``seconds`` pass; True if it was published."""
        event = self.listen(topic)
        try:
            await asyncio.wait_for(event.wait(), seconds)
            return True
        except TimeoutError:
            return False
        finally:
            self.forget(topic, event)

    def subscribe(
        self, topic: Hashable, queue: asyncio.Queue[Any] | None = None
    ) -> asyncio.Queue[Any]:
        """A queue of ``topic``'s payloads; pass ``queue`` to read several topics from one."""
        queue = queue if queue is not None else asyncio.Queue()
        self._subscribers[topic].add(queue)
        return queue

    def unsubscribe(self, topic: Hashable, queue: asyncio.Queue[Any]) -> None:
        subscribers = self._subscribers.get(topic)
        if subscribers is not None:
            subscribers.discard(queue)
            if not subscribers:
                self._subscribers.pop(topic, None)


def conversation_topic(conversation_id: int) -> tuple[str, int]:
    return ("conversation", conversation_id)


TICKETS_TOPIC = "tickets"
OUTBOX_TOPIC = "outbox"
TYPING_TOPIC = "typing"
