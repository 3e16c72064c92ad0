"""Backpressure: the work one process has accepted but not yet done is bounded.

Measured before this existed (docs/benchmarks.md): offered 500 messages/s, a process that
answers ~35/s kept accepting, its queues grew without limit, replies came after 20-30 s and
sends started failing. A customer is better served by "busy, try again in N s" at once than by
a 202 for a message answered half a minute later, and a process that refuses at the door keeps
answering what it has already accepted at full speed.

Two bounds, checked before anything of a new message is stored (:meth:`Backlog.admit`):

- ``max_messages``: customer messages accepted here and not yet processed (queued for the
  engine's workers, or being classified and handled);
- ``max_writes``: writes waiting for the store's writer (acceptances, processing, agents'
  actions: anything; a long write queue means every answer waits).

Past either, :class:`models.Overloaded` is raised: web chat answers 503 with ``Retry-After``,
a Telegram webhook 503 (Telegram sends the update again), Telegram polling leaves the update
unconfirmed, an inbound mail gets SMTP 451. Nothing accepted is ever dropped: the bounds only
refuse new work. ``Retry-After`` is how long the oldest waiting message has waited (1-30 s): a
message sent now would wait about as long.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Callable

from models import Overloaded

MIN_RETRY_AFTER = 1.0
MAX_RETRY_AFTER = 30.0


class Backlog:
    """The customer messages this process has taken in and not yet answered.

    A message counts from the moment it is admitted (its acceptance may still be waiting for
    the writer: counting those too keeps a burst of simultaneous sends from overshooting the
    bound) until it is processed. ``max_messages`` or ``max_writes`` of 0 means no bound;
    ``writes_waiting()`` gives the store's write-queue length.
    """

    def __init__(
        self,
        max_messages: int = 0,
        max_writes: int = 0,
        writes_waiting: Callable[[], int] = lambda: 0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_messages = max_messages
        self.max_writes = max_writes
        self.writes_waiting = writes_waiting
        self.clock = clock
        # Stored message id (> 0), or an admission's key (< 0) while it is being stored ->
        # since when it waits (the dict keeps arrival order).
        self._since: dict[int, float] = {}
        self._keys = itertools.count(1)
        self.refused = 0  # messages and chats refused at the door (``/metrics``)

    def __contains__(self, message_id: int) -> bool:
        return message_id in self._since

    def __len__(self) -> int:
        return len(self._since)

    @property
    def oldest_age(self) -> float:
        """Seconds the longest-waiting message has waited (0 when none waits)."""
        if not self._since:
            return 0.0
        return max(0.0, self.clock() - min(self._since.values()))

    def figures(self) -> tuple[int, float, int, int]:
        """(messages waiting, the oldest's age in s, writes queued, refused so far)."""
        return len(self._since), self.oldest_age, self.writes_waiting(), self.refused

    def check(self) -> None:
        """Raise :class:`models.Overloaded` when a bound is reached (nothing is counted in)."""
        if self.max_messages and len(self._since) >= self.max_messages:
            why = f"{len(self._since)} messages are waiting to be answered"
        elif self.max_writes and (writes := self.writes_waiting()) >= self.max_writes:
            why = f"{writes} writes are waiting for the database"
        else:
            return
        self.refused += 1
        wait = min(MAX_RETRY_AFTER, max(MIN_RETRY_AFTER, self.oldest_age))
        raise Overloaded(
            f"the front desk is very busy ({why}); send again in {math.ceil(wait)} s", wait
        )

    def admit(self, refusable: bool = True) -> int:
        """Count a message in while it is being stored (after :meth:`check` when
        ``refusable``); returns the key to give :meth:`done` once it is queued or refused."""
        if refusable:
            self.check()
        key = -next(self._keys)
        self._since[key] = self.clock()
        return key

    def add(self, message_id: int) -> None:
        """A stored message queued for a worker (just accepted, or taken over by a sweep)."""
        self._since.setdefault(message_id, self.clock())

    def done(self, key: int) -> None:
        """Answered (a message id), or never stored (an admission's key)."""
        self._since.pop(key, None)
