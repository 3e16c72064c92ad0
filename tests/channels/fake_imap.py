"""A small IMAP4rev1 server on 127.0.0.1 (port 0) for the email channel's polling tests.

It speaks just what a polling client needs — CAPABILITY, LOGIN, SELECT/EXAMINE (with
UIDVALIDITY), UID SEARCH with a ``n:*`` range, UID FETCH of ``BODY.PEEK[]``, NOOP, LOGOUT — and
records every command, so a test can see which mails were fetched. Mails are added while it
runs (``deliver``); ``uid_validity`` can be changed to act out a renumbered folder.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

RANGE = re.compile(r"^(\d+):(\*|\d+)$")


@dataclass
class FakeImap:
    user: str = "support@desk.test"
    password: str = "imap-secret"
    folder: str = "INBOX"
    uid_validity: int = 1_700_000_001
    port: int = 0
    mails: dict[int, bytes] = field(default_factory=dict)  # UID -> raw mail
    commands: list[str] = field(default_factory=list)
    fetched: list[int] = field(default_factory=list)
    logins: int = 0
    next_uid: int = 1
    _server: asyncio.Server | None = None

    def deliver(self, raw: bytes) -> int:
        uid = self.next_uid
        self.mails[uid] = raw
        self.next_uid += 1
        return uid

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        def say(line: str) -> None:
            writer.write(line.encode() + b"\r\n")

        say("* OK [CAPABILITY IMAP4rev1] fake IMAP ready")
        selected = False
        try:
            while line := await reader.readline():
                text = line.decode().rstrip("\r\n")
                self.commands.append(text)
                tag, _, rest = text.partition(" ")
                command, _, args = rest.partition(" ")
                command = command.upper()
                if command == "CAPABILITY":
                    say("* CAPABILITY IMAP4rev1")
                    say(f"{tag} OK CAPABILITY done")
                elif command == "LOGIN":
                    given = [a.strip('"') for a in args.split(" ")]
                    if given == [self.user, self.password]:
                        self.logins += 1
                        say(f"{tag} OK LOGIN done")
                    else:
                        say(f"{tag} NO [AUTHENTICATIONFAILED] wrong user or password")
                elif command in ("SELECT", "EXAMINE"):
                    if args.strip('"') != self.folder:
                        say(f"{tag} NO no such folder")
                        continue
                    selected = True
                    say(f"* {len(self.mails)} EXISTS")
                    say("* 0 RECENT")
                    say(f"* OK [UIDVALIDITY {self.uid_validity}] UIDs valid")
                    say(f"* OK [UIDNEXT {self.next_uid}] next")
                    say(f"{tag} OK [READ-ONLY] {command} done")
                elif command == "UID" and selected:
                    await self._uid(tag, args, say, writer)
                elif command == "NOOP":
                    say(f"{tag} OK NOOP done")
                elif command == "LOGOUT":
                    say("* BYE logging out")
                    say(f"{tag} OK LOGOUT done")
                    await writer.drain()
                    break
                else:
                    say(f"{tag} BAD unknown or not now: {command}")
                await writer.drain()
        finally:
            writer.close()

    async def _uid(self, tag: str, args: str, say: object, writer: asyncio.StreamWriter) -> None:
        sub, _, rest = args.partition(" ")
        uids = sorted(self.mails)
        if sub.upper() == "SEARCH":
            found = RANGE.match(rest.removeprefix("UID ").strip())
            assert found, rest
            low = int(found.group(1))
            high = (uids[-1] if uids else 0) if found.group(2) == "*" else int(found.group(2))
            hits = [u for u in uids if low <= u <= high]
            if found.group(2) == "*" and not hits and uids:
                hits = [uids[-1]]  # as RFC 3501: n:* always names the highest UID
            writer.write(("* SEARCH " + " ".join(map(str, hits))).rstrip().encode() + b"\r\n")
            writer.write(f"{tag} OK SEARCH done\r\n".encode())
        elif sub.upper() == "FETCH":
            uid = int(rest.split(" ", 1)[0])
            raw = self.mails[uid]
            self.fetched.append(uid)
            number = uids.index(uid) + 1
            writer.write(f"* {number} FETCH (UID {uid} BODY[] {{{len(raw)}}}\r\n".encode())
            writer.write(raw + b")\r\n")
            writer.write(f"{tag} OK FETCH done\r\n".encode())
        else:
            writer.write(f"{tag} BAD UID {sub} not supported\r\n".encode())


@asynccontextmanager
async def fake_imap() -> AsyncIterator[FakeImap]:
    imap = FakeImap()
    server = await asyncio.start_server(imap._session, "127.0.0.1", 0)
    imap.port = server.sockets[0].getsockname()[1]
    imap._server = server
    try:
        yield imap
    finally:
        server.close()
        await server.wait_closed()
