"""Who has which ticket open right now, for the queue ("kim viewing" beside a ticket).

Each process keeps a board fed by every ``viewers`` signal on the event bus
(``handoff/viewers.py``): its own agents' and, on PostgreSQL, the other processes' (the bus
relays them), so an agent's queue shows a colleague whose console another process serves. A
queue page reads the board once when its event stream opens (``GET /api/agent/viewers``) and
follows the signals from then on.

Nothing is stored: an open ticket page says "viewing" every 15 s, so an entry not heard from in
:data:`FORGET_S` is gone (a crashed browser fades by itself), and a fresh process learns who is
where within one heartbeat.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

VIEWERS_TOPIC = "viewers"
"""The bus topic of the signals (published by ``handoff/viewers.py``)."""
FORGET_S = 40.0
"""An agent not heard from on a ticket for this long has left it (the pages' heartbeat: 15 s)."""


@dataclass
class ViewerBoard:
    """Ticket ID -> agent id -> (name, state, when heard)."""

    clock: Callable[[], float] = time.monotonic
    _open: dict[str, dict[int, tuple[str, str, float]]] = field(default_factory=dict)

    def heard(self, signal: Any) -> None:
        """One ``viewers`` signal (``{"ticket", "agent_id", "agent", "state"}``)."""
        if not isinstance(signal, dict) or not isinstance(signal.get("ticket"), str):
            return
        ticket, agent_id = signal["ticket"], signal.get("agent_id")
        if not isinstance(agent_id, int):
            return
        viewers = self._open.setdefault(ticket, {})
        if signal.get("state") == "left":
            viewers.pop(agent_id, None)
        else:
            name, state = str(signal.get("agent") or ""), str(signal.get("state"))
            viewers[agent_id] = (name, state, self.clock())
        if not viewers:
            del self._open[ticket]
        if len(self._open) > 10_000:  # a flood of made-up signals must not grow memory forever
            self.current()

    def current(self) -> dict[str, list[dict[str, Any]]]:
        """Who is on which ticket now, each with ``seconds_ago`` (since last heard)."""
        now, board = self.clock(), {}
        for ticket, viewers in list(self._open.items()):
            for agent_id, (_, _, at) in list(viewers.items()):
                if now - at > FORGET_S:
                    del viewers[agent_id]
            if not viewers:
                del self._open[ticket]
                continue
            board[ticket] = [
                {"agent_id": i, "agent": name, "state": state, "seconds_ago": round(now - at, 1)}
                for i, (name, state, at) in sorted(viewers.items())
            ]
        return board
