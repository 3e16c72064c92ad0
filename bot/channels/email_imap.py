"""Mail in by IMAP polling of a support mailbox (``FRONTDESK_IMAP_*``).

Every ``interval`` seconds the poller logs in, opens the folder read-only (``EXAMINE``: it sets
no flag, moves and deletes nothing, so people may keep using the mailbox), asks for the UIDs
above the last one stored and hands each mail, oldest first, to the channel. After each mail is
stored (or deliberately dropped as automatic mail) its UID is saved through the
:class:`~bot.ports.MailboxCursor`, so a restart reads nothing twice; a mail that could not be
stored stops the round and is read again next time. A new ``UIDVALIDITY`` (the server
renumbered the folder) reads the folder again from the start: the Message-ID still stores each
mail once.

Why the standard library's :mod:`imaplib` in a worker thread rather than an async client: a
poll is a handful of commands a minute, imaplib is complete, maintained with Python and needs no
dependency; each blocking call runs in :func:`asyncio.to_thread` with a socket timeout, so the
event loop never waits on the mail server.
"""

from __future__ import annotations

import asyncio
import contextlib
import imaplib
import logging
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from bot.ports import MailboxCursor

T = TypeVar("T")

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ImapConfig:
    host: str
    port: int = 993
    user: str = ""
    password: str = ""
    folder: str = "INBOX"
    tls: bool = True  # IMAP over TLS (993); false: plain IMAP (a local server, tests)
    interval: float = 30.0
    timeout: float = 30.0

    @property
    def mailbox(self) -> str:
        """The cursor's key: one per account and folder."""
        return f"{self.user}@{self.host}:{self.port}/{self.folder}"


class ImapError(Exception):
    """The mailbox could not be read this round (the next round tries again)."""


class ImapPoller:
    """Reads new mail from one folder and hands it to ``receive`` (the channel's)."""

    def __init__(
        self,
        config: ImapConfig,
        cursor: MailboxCursor,
        receive: Callable[[bytes], Awaitable[str]],
    ) -> None:
        self.config = config
        self.cursor = cursor
        self.receive = receive
        self.healthy = False  # the last round reached the mailbox
        self.rounds = 0  # rounds finished (healthy or not): health is known after the first
        self._task: asyncio.Task[None] | None = None

    def describe(self) -> str:
        c = self.config
        scheme = "imaps" if c.tls else "imap"
        return f"mail from {scheme}://{c.host}:{c.port}/{c.folder} every {c.interval:g} s"

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="imap-poll")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            try:
                await self.poll_once()
            except ImapError as exc:
                log.warning("imap: %s; trying again in %g s", exc, self.config.interval)
            except Exception:  # a bug: say so, keep polling
                self.healthy = False
                log.exception("imap: the poll failed")
            self.rounds += 1
            await asyncio.sleep(self.config.interval)

    async def poll_once(self) -> int:
        """One round; returns how many mails were handed on."""
        client = await self._call(self._connect)
        try:
            validity = await self._call(self._examine, client)
            stored_validity, last = await self.cursor.read_up_to(self.config.mailbox)
            if stored_validity != validity:
                last = 0  # renumbered (or never read): from the start, Message-IDs dedupe
            uids = await self._call(self._uids_after, client, last)
            handed = 0
            for uid in uids:
                raw = await self._call(self._fetch, client, uid)
                outcome = await self.receive(raw)  # raises when it cannot be stored: stop
                log.debug("imap: UID %d %s", uid, outcome)
                await self.cursor.advance(self.config.mailbox, validity, uid)
                handed += 1
            if not uids and stored_validity != validity:
                await self.cursor.advance(self.config.mailbox, validity, 0)
        finally:
            with contextlib.suppress(Exception):
                await asyncio.to_thread(client.logout)
        self.healthy = True
        return handed

    async def _call(self, fn: Callable[..., T], *args: object) -> T:
        try:
            return await asyncio.to_thread(fn, *args)
        except (imaplib.IMAP4.error, OSError, ssl.SSLError) as exc:
            self.healthy = False
            raise ImapError(f"{self.config.host}:{self.config.port}: {exc}") from exc

    # -- blocking parts, each run in a worker thread --------------------------------------------

    def _connect(self) -> imaplib.IMAP4:
        c = self.config
        client: imaplib.IMAP4
        if c.tls:
            client = imaplib.IMAP4_SSL(c.host, c.port, timeout=c.timeout)
        else:
            client = imaplib.IMAP4(c.host, c.port, timeout=c.timeout)
        client.login(c.user, c.password)
        return client

    def _examine(self, client: imaplib.IMAP4) -> int:
        typ, _ = client.select(_quoted(self.config.folder), readonly=True)
        if typ != "OK":
            raise imaplib.IMAP4.error(f"cannot open the folder {self.config.folder!r}")
        _, data = client.response("UIDVALIDITY")
        return int(data[0]) if data and data[0] else 0

    def _uids_after(self, client: imaplib.IMAP4, last: int) -> list[int]:
        typ, data = client.uid("SEARCH", "UID", f"{last + 1}:*")
        if typ != "OK":
            raise imaplib.IMAP4.error("UID SEARCH refused")
        found = (data[0] or b"").split() if data else []
        return sorted(u for u in (int(x) for x in found) if u > last)  # n:* always names one

    def _fetch(self, client: imaplib.IMAP4, uid: int) -> bytes:
        typ, data = client.uid("FETCH", str(uid), "(BODY.PEEK[])")
        if typ != "OK":
            raise imaplib.IMAP4.error(f"UID FETCH {uid} refused")
        for part in data:
            if isinstance(part, tuple) and len(part) == 2:
                return bytes(part[1])
        raise imaplib.IMAP4.error(f"UID FETCH {uid} returned no message")


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'
