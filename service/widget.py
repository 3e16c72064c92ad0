"""The embeddable widget's running side (#14): its settings as every request reads them, and
who is typing to which conversation.

:class:`WidgetSettings` keeps the admin's settings in memory and re-reads the row at most every
``ttl`` seconds, so the CSP and CORS answers cost no query per request and another process's
change is seen within seconds (this process's own change at once).

:class:`TypingBoard` keeps who is typing in each process's memory, and carries every change over
the event bus: on PostgreSQL the bus relays it to the other processes (LISTEN/NOTIFY,
``store/pg_notify.py``), so an agent typing in a console served by one process shows to a
customer whose long poll another process serves, and the reply posted anywhere ends it.
Each process times a ping out on its own clock (``hold`` seconds after it heard it), so the
processes' clocks never need to agree.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from models.widget import WidgetConfig

from .bus import TYPING_TOPIC, EventBus, conversation_topic

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
    """Agents typing to a conversation: each ping holds for ``hold`` seconds.

    A ping or a stop is published on :data:`TYPING_TOPIC`; every process (this one included)
    records it when the bus delivers it, and wakes its own long polls of that conversation.
    """

    def __init__(
        self, bus: EventBus, hold: float = 6.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.bus = bus
        self.hold = hold
        self.clock = clock
        self._typing: dict[int, tuple[str, float]] = {}
        bus.on(TYPING_TOPIC, self.heard)

    def typing(self, conversation_id: int, agent_name: str) -> None:
        """``agent_name`` is typing (the console pings every few seconds while they do)."""
        self.bus.publish(TYPING_TOPIC, {"conversation": conversation_id, "agent": agent_name})

    def stopped(self, conversation_id: int) -> None:
        """The agent sent their message (or left the box): no more "typing". Published even
        when this process saw no ping: the pings may have reached another process first."""
        self.bus.publish(TYPING_TOPIC, {"conversation": conversation_id, "agent": None})

    def heard(self, payload: Any) -> None:
        """A ping or a stop from this process or another; a malformed one is ignored."""
        if not isinstance(payload, dict):
            return
        conversation_id, agent = payload.get("conversation"), payload.get("agent")
        if not isinstance(conversation_id, int) or not isinstance(agent, str | None):
            return
        if agent is None:
            if self._typing.pop(conversation_id, None) is not None:
                self.bus.deliver(conversation_topic(conversation_id))  # this process's polls
            return
        started = self.who(conversation_id) is None
        self._typing[conversation_id] = (agent, self.clock() + self.hold)
        if started:  # wake the customer's long poll here; every process does so for its own
            self.bus.deliver(conversation_topic(conversation_id))
        while len(self._typing) > 10_000:  # forgotten pings: drop the oldest
            self._typing.pop(next(iter(self._typing)))

    def who(self, conversation_id: int) -> str | None:
        found = self._typing.get(conversation_id)
        if found is None:
            return None
        if found[1] < self.clock():
            self._typing.pop(conversation_id, None)
            return None
        return found[0]
