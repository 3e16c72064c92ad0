"""Live updates across processes on PostgreSQL: the event bus's publishes over LISTEN/NOTIFY.

Without it a customer whose long poll waits on process B saw a reply committed on process A
only at B's next re-read (~2 s; docs/benchmarks.md). Each process keeps one connection that
LISTENs on ``CHANNEL`` and sends its own publishes with ``pg_notify``: the topics published
while a send was in flight go together in one notification (several if they exceed
PostgreSQL's 8,000-byte payload), tagged with the sender's ``origin`` so it ignores its own.

A publish is sent after its transaction committed (it is an after-commit callback), from this
separate connection, not inside the transaction: a process killed between its commit and the
notification leaves the others to see the change at their next re-read, as they did before.
The connection is re-opened after a loss; what was published meanwhile is dropped, not queued
(the re-reads cover it).
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import Callable, Hashable
from typing import Any

import asyncpg

from .engine import driver_dsn

log = logging.getLogger(__name__)
CHANNEL = "frontdesk_events"
MAX_PAYLOAD = 7000  # PostgreSQL refuses notification payloads of 8,000 bytes or more
RECONNECT_SECONDS = 1.0


def encode(topic: Hashable, payload: Any) -> list[Any]:
    """A topic (a string or a tuple such as ``("conversation", 7)``) and its JSON payload."""
    return [list(topic) if isinstance(topic, tuple) else topic, payload]


def decode(item: list[Any]) -> tuple[Hashable, Any]:
    topic, payload = item
    return (tuple(topic) if isinstance(topic, list) else topic), payload


class NotifyRelay:
    """Sends this process's publishes to the others and ``deliver``s theirs here."""

    def __init__(self, url: str, deliver: Callable[[Hashable, Any], None]) -> None:
        self._dsn = driver_dsn(url)
        self._deliver = deliver
        self.origin = uuid.uuid4().hex[:12]
        self._conn: Any = None
        self._outgoing: list[list[Any]] = []
        self._sending: asyncio.Task[None] | None = None
        self._keeper: asyncio.Task[None] | None = None
        self._lost = asyncio.Event()
        self.sent = self.received = 0  # notifications (tests and logs)

    async def start(self) -> None:
        """Connect and LISTEN (raises if the database cannot be reached now); then keep the
        connection, re-opening it after a loss."""
        await self._connect()
        self._keeper = asyncio.create_task(self._keep(), name="pg-notify")

    async def stop(self) -> None:
        for task in (self._keeper, self._sending):
            if task is not None:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
        self._keeper = self._sending = None
        conn, self._conn = self._conn, None
        if conn is not None and not conn.is_closed():
            try:
                await asyncio.wait_for(conn.close(), 5)
            except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError):
                conn.terminate()

    def send(self, topic: Hashable, payload: Any = None) -> None:
        """Queue a publish for the other processes (the bus's ``relay``); never blocks."""
        self._outgoing.append(encode(topic, payload))
        if self._sending is None or self._sending.done():
            self._sending = asyncio.get_running_loop().create_task(self._send_all())

    async def _send_all(self) -> None:
        while self._outgoing:
            batch, self._outgoing = self._outgoing, []
            conn = self._conn
            if conn is None or conn.is_closed():
                return  # dropped: the others re-read on their own
            for payload in self._payloads(batch):
                try:
                    await conn.execute("SELECT pg_notify($1, $2)", CHANNEL, payload)
                    self.sent += 1
                except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                    log.warning("live updates to other processes lost: %s", exc)
                    self._lost.set()
                    return

    def _payloads(self, batch: list[list[Any]]) -> list[str]:
        unique = list({json.dumps(item): item for item in batch}.values())
        payloads: list[str] = []
        chunk: list[list[Any]] = []
        for item in unique:
            candidate = json.dumps({"o": self.origin, "e": [*chunk, item]})
            if chunk and len(candidate.encode()) > MAX_PAYLOAD:
                payloads.append(json.dumps({"o": self.origin, "e": chunk}))
                chunk = [item]
            else:
                chunk.append(item)
        if chunk:
            payloads.append(json.dumps({"o": self.origin, "e": chunk}))
        return payloads

    def _on_notify(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        try:
            data = json.loads(payload)
            if data.get("o") == self.origin:
                return
            self.received += 1
            for item in data["e"]:
                topic, value = decode(item)
                self._deliver(topic, value)
        except (ValueError, KeyError, TypeError, AttributeError):
            log.warning("ignored a malformed notification on %s", CHANNEL)

    async def _connect(self) -> None:
        conn = await asyncio.wait_for(asyncpg.connect(self._dsn), 10)
        conn.add_termination_listener(lambda _c: self._lost.set())
        await conn.add_listener(CHANNEL, self._on_notify)
        self._conn = conn
        self._lost.clear()

    async def _keep(self) -> None:
        while True:
            await self._lost.wait()
            log.warning("live updates: the LISTEN connection was lost; re-opening it")
            conn, self._conn = self._conn, None
            if conn is not None and not conn.is_closed():
                conn.terminate()
            while self._conn is None:
                try:
                    await self._connect()
                except (OSError, TimeoutError, asyncpg.PostgresError) as exc:
                    log.warning("live updates: cannot reconnect yet (%s)", exc)
                    await asyncio.sleep(RECONNECT_SECONDS)
