"""What the console tells an agent who is not looking: a ticket handed to one of their teams,
and a customer's message on a ticket they own — not every change of the queue.

The console's event stream (``/console/events``) keeps one :class:`AlertWatch` per open page.
Whenever it wakes for changed tickets (this process's bus, or the periodic re-read that sees
other processes' changes) it asks the watch for what is new since the page connected and sends
it with the ``tickets`` event as ``notify``; ``notices.js`` badges the tab title, shows the
opt-in desktop notification and plays the opt-in sound for those alone, and only while the tab
is hidden. Everything else that moves (a colleague's note, a ticket of another team, a status
change) still refreshes the page, silently.

What is new is read from the database, by id: the hand-off events and customer messages above
the ones this page has told. Ids are taken when a row is inserted but seen when its transaction
commits, so two processes' commits may show out of order; the watch re-reads a window of
:data:`LOOKBACK` ids below the newest it told and remembers what it told there, so a late row is
still told, once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from models import Agent, format_ticket_id

from .history import shorten

if TYPE_CHECKING:
    from store.database import Store

LOOKBACK = 50
"""Ids below the newest told that are read again (rows committed late)."""


@dataclass
class AlertWatch:
    """What one open console page has told its agent; start it with :meth:`opened`."""

    agent_id: int
    teams: tuple[str, ...]
    floor: tuple[int, int]
    """The newest hand-off event and message ids when the page connected: never told."""
    newest: tuple[int, int] = (0, 0)
    told: set[tuple[str, int]] = field(default_factory=set)

    @classmethod
    async def opened(cls, store: Store, agent: Agent) -> AlertWatch:
        marks = await store.read(lambda uow: uow.handoff.notice_marks())
        return cls(agent.id, tuple(agent.teams), marks, marks)

    async def news(self, store: Store) -> list[dict[str, Any]]:
        """The alerts not told yet, oldest first: ``{"ticket", "kind", "text"}``, ``kind`` being
        ``"new"`` (a ticket handed to my team; ``text`` its description) or ``"reply"`` (the
        customer wrote on my ticket; ``text`` what they wrote)."""
        after = tuple(
            max(floor, newest - LOOKBACK)
            for floor, newest in zip(self.floor, self.newest, strict=True)
        )
        found = await store.read(
            lambda uow: uow.handoff.notices(self.agent_id, self.teams, after[0], after[1])
        )
        alerts = []
        event, message = self.newest
        for notice in found:
            if (notice.kind, notice.id) in self.told:
                continue
            self.told.add((notice.kind, notice.id))
            if notice.kind == "new":
                event = max(event, notice.id)
            else:
                message = max(message, notice.id)
            alerts.append(
                {
                    "ticket": format_ticket_id(notice.ticket_id),
                    "kind": notice.kind,
                    "text": shorten(" ".join(notice.text.split()), 120),
                }
            )
        self.newest = (event, message)
        low = {"new": event - LOOKBACK, "reply": message - LOOKBACK}
        self.told = {(kind, i) for kind, i in self.told if i > low[kind]}
        return alerts
