"""A TCP proxy between Frontdesk and its PostgreSQL server that a test can cut and restore:
the database "goes away" (every open connection reset, new ones refused) and comes back,
without touching the real server other tests use.

It runs its own event loop in a thread, so sync tests (a server in a subprocess) and async
tests (the app in the test's loop) use it alike.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from typing import Any


class FaultProxy:
    """``with FaultProxy(host, port) as proxy:`` listens on ``proxy.port`` (127.0.0.1)."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = _free_port()
        self.connections = 0  # accepted while up (observed by tests)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.Server | None = None
        self._pipes: set[asyncio.StreamWriter] = set()

    def __enter__(self) -> FaultProxy:
        self._thread.start()
        self.restore()
        return self

    def __exit__(self, *exc: object) -> None:
        self.cut()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        self._loop.close()

    @property
    def up(self) -> bool:
        return self._server is not None

    def cut(self) -> None:
        """The database goes away: open connections are reset, new ones refused."""
        self._call(self._cut())

    def restore(self) -> None:
        """The database is back on the same address."""
        self._call(self._listen())

    def _call(self, coroutine: Any) -> None:
        asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(10)

    async def _listen(self) -> None:
        if self._server is None:
            self._server = await asyncio.start_server(
                self._relay, "127.0.0.1", self.port, reuse_address=True
            )

    async def _cut(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.close()
        for writer in list(self._pipes):
            with contextlib.suppress(Exception):
                writer.transport.abort()  # RST, like a server that vanished
        self._pipes.clear()

    async def _relay(self, client_reader: Any, client_writer: asyncio.StreamWriter) -> None:
        if self._server is None:
            client_writer.transport.abort()
            return
        try:
            server_reader, server_writer = await asyncio.open_connection(*self.target)
        except OSError:
            client_writer.transport.abort()
            return
        self.connections += 1
        self._pipes.update((client_writer, server_writer))
        await asyncio.gather(
            _pump(client_reader, server_writer),
            _pump(server_reader, client_writer),
            return_exceptions=True,
        )
        for writer in (client_writer, server_writer):
            self._pipes.discard(writer)
            writer.transport.abort()


async def _pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    finally:
        writer.transport.abort()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
