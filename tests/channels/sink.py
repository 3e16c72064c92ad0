"""A real in-memory :data:`InboundSink`: stores events, de-duplicating like the store does."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from bot.ports import InboundEvent


class RecordingSink:
    """Keeps each ``(channel, platform_message_id)`` once, in arrival order.

    ``received`` counts every hand-over, duplicates included, so a test can tell "the adapter
    delivered twice and the sink dropped one" from "the adapter skipped one". ``after_store``
    runs after an event was stored and before the sink returns: a test parks it to stop the
    adapter between the commit and the acknowledgement to the platform.
    """

    def __init__(self) -> None:
        self.events: list[InboundEvent] = []
        self.received = 0
        self.after_store: Callable[[InboundEvent], Awaitable[None]] | None = None
        self._keys: set[tuple[str, str]] = set()
        self._changed = asyncio.Condition()

    async def __call__(self, event: InboundEvent) -> None:
        async with self._changed:
            self.received += 1
            key = (str(event.channel), event.platform_message_id)
            if key not in self._keys:
                self._keys.add(key)
                self.events.append(event)
            self._changed.notify_all()
        if self.after_store is not None:
            await self.after_store(event)

    async def wait_for(self, count: int, *, received: bool = False, within: float = 5.0) -> None:
        """Wait until ``count`` events are stored (or handed over, with ``received``)."""

        def done() -> bool:
            return (self.received if received else len(self.events)) >= count

        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(done), within)
