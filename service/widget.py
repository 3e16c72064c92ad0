"""The embeddable widget's running side (#14): its settings as every request reads them, and
who is typing to which conversation.

:class:`WidgetSettings` keeps the admin's settings in memory and re-reads the row at most every
``ttl`` seconds, so the CSP and CORS answers cost no query per request and another process's
change is seen within seconds (this process's own change at once).

:class:`TypingBoard` is in memory, like the bus that wakes the long polls: an agent's "typing"
shows to customers whose long poll is served by the same process (behind several processes a
customer on another one sees the reply, without the indicator before it).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from models.widget import WidgetConfig

from .bus import EventBus, conversation_topic

if TYPE_CHECKING:
    from store.database import Store
    from store.unit_of_work import UnitOfWork


class WidgetSettings:
    def __init__(
        self, store: Store, ttl: float = 5.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.store = store
        self.ttl = ttl
        self.clock = clock
        self._config: WidgetConfig | None = None
        self._read_at = 0.0

    async def current(self) -> WidgetConfig:
        if self._config is None or self.clock() - self._read_at > self.ttl:
            self._config = await self.store.read(lambda uow: uow.widget.get())
            self._read_at = self.clock()
        return self._config

    async def save(self, config: WidgetConfig, now: datetime) -> WidgetConfig:
        async def write(uow: UnitOfWork) -> None:
            await uow.widget.save(config, now)

        await self.store.write(write)
        self._config, self._read_at = config, self.clock()
        return config


class TypingBoard:
    """Agents typing to a conversation: each ping holds for ``hold`` seconds."""

    def __init__(
        self, bus: EventBus, hold: float = 6.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.bus = bus
        self.hold = hold
        self.clock = clock
        self._typing: dict[int, tuple[str, float]] = {}

    def typing(self, conversation_id: int, agent_name: str) -> None:
        """``agent_name`` is typing; wakes the customer's long poll when it starts."""
        started = self.who(conversation_id) is None
        self._typing[conversation_id] = (agent_name, self.clock() + self.hold)
        if started:
            self.bus.publish(conversation_topic(conversation_id))
        while len(self._typing) > 10_000:  # forgotten pings: drop the oldest
            self._typing.pop(next(iter(self._typing)))

    def stopped(self, conversation_id: int) -> None:
        """The agent sent their message (or left the box): no more "typing"."""
        if self._typing.pop(conversation_id, None) is not None:
            self.bus.publish(conversation_topic(conversation_id))

    def who(self, conversation_id: int) -> str | None:
        found = self._typing.get(conversation_id)
        if found is None:
            return None
        if found[1] < self.clock():
            self._typing.pop(conversation_id, None)
            return None
        return found[0]
