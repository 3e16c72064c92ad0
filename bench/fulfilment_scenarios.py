"""The scripted service-request scenario set: what share does the bot fulfil by itself?

Runs a real front desk in-process (SQLite in a temporary folder, the shipped classifier, mails
written as .eml files, which the scripted customers read their codes and links from), plays
each scenario over the web-chat HTTP API and reports, per scenario, how its ticket ended.
A scenario counts as fully auto-fulfilled when its ticket is resolved by the bot with
``auto_fulfilled`` set and never went to an agent.

    .venv/bin/python bench/fulfilment_scenarios.py
"""

from __future__ import annotations

import asyncio
import email
import re
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient, TestServer

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.app import FRONTDESK, Frontdesk, create_app
from bot.settings import load_settings
from models import parse_ticket_id
from models.accounts import AccountRole

CODE = re.compile(r"verification code is (\d{6})")
LINK = re.compile(r"https?://\S+/reset/[A-Za-z0-9_\-]+")


class Run:
    """One scripted customer talking to the desk."""

    def __init__(self, client: TestClient, fd: Frontdesk, mail_dir: Path) -> None:
        self.client, self.fd, self.mail_dir = client, fd, mail_dir
        self.session = ""
        self.token = ""
        self.seen = 0
        self.texts: list[str] = []

    async def open(self) -> None:
        body = await (await self.client.post("/api/chat/sessions")).json()
        self.session, self.token = body["session_id"], body["token"]

    async def say(self, text: str) -> None:
        await self.client.post(
            f"/api/chat/sessions/{self.session}/messages",
            json={"text": text},
            headers={"Authorization": f"Bearer {self.token}"},
        )
        await asyncio.sleep(0.05)
        await self.quiet()

    async def quiet(self) -> None:
        """Wait until the bot has answered and its background jobs are done."""
        for _ in range(3):
            for _ in range(500):  # the engine works asynchronously: poll until it is idle
                if not await self.fd.store.read(lambda uow: uow.messages.unprocessed()):
                    break
                await asyncio.sleep(0.02)
            assert self.fd.fulfilment is not None
            await self.fd.fulfilment.settle()
            await asyncio.sleep(0.05)
        resp = await self.client.get(
            f"/api/chat/sessions/{self.session}/messages",
            params={"after": str(self.seen), "wait": "0"},
            headers={"Authorization": f"Bearer {self.token}"},
        )
        for m in (await resp.json())["messages"]:
            self.seen = max(self.seen, m["seq"])
            self.texts.append(m["text"])

    async def mails_to(self, address: str) -> list[str]:
        await self.fd.delivery.deliver_due()
        bodies = []
        for path in sorted(self.mail_dir.glob("*.eml")):
            parsed = email.message_from_bytes(path.read_bytes())
            if parsed["To"] == address:
                bodies.append(str(parsed.get_payload(decode=True).decode()))  # type: ignore[union-attr]
        return bodies

    async def code(self, address: str) -> str:
        found = CODE.findall((await self.mails_to(address))[-1])
        return str(found[-1])

    async def follow_link(self, address: str, password: str = "Brand-new-passw0rd") -> None:
        link = LINK.search((await self.mails_to(address))[-1])
        assert link is not None
        path = link.group(0).replace(self.fd.settings.base_url, "")
        await self.client.post(path, data={"password": password, "confirm": password})
        await self.quiet()

    def ticket_id(self) -> int | None:
        for text in self.texts:
            found = re.search(r"\bFD-\d+\b", text)
            if found:
                return parse_ticket_id(found.group(0))
        return None


Script = Callable[[Run], Awaitable[None]]


def steps(*lines: str | tuple[str, str]) -> Script:
    """Lines to say; ("code", address) types the latest code mailed there, ("wrong", _) a
    wrong one, ("link", address) follows the latest reset link, ("idle", _) lets it time out."""

    async def play(run: Run) -> None:
        for line in lines:
            if isinstance(line, str):
                await run.say(line)
            elif line[0] == "code":
                await run.say(await run.code(line[1]))
            elif line[0] == "wrong":
                await run.say("000000")
            elif line[0] == "link":
                await run.follow_link(line[1])
            elif line[0] == "idle":
                real_clock = run.fd.desk.clock
                run.fd.desk.clock = lambda c=real_clock: c() + _hour()  # type: ignore[misc]
                assert run.fd.fulfilment is not None
                await run.fd.fulfilment.expire_idle()
                run.fd.desk.clock = real_clock
                await run.quiet()

    return play


def _hour() -> Any:
    from datetime import timedelta

    return timedelta(hours=1)


@dataclass(frozen=True)
class Scenario:
    name: str
    script: Script


SCENARIOS = [
    Scenario(
        "reset: forgot",
        steps("I forgot my password", "amy@example.com", ("link", "amy@example.com")),
    ),
    Scenario(
        "reset: can't remember",
        steps(
            "I can't remember my password, help!",
            "it's ben@example.com",
            ("link", "ben@example.com"),
        ),
    ),
    Scenario(
        "reset: how do I",
        steps("How do I reset my password?", "cat@example.com", ("link", "cat@example.com")),
    ),
    Scenario(
        "reset: email in opening",
        steps("Please reset the password for dan@example.com", ("link", "dan@example.com")),
    ),
    Scenario(
        "reset: locked out",
        steps(
            "I'm locked out and need a new password", "eve@example.com", ("link", "eve@example.com")
        ),
    ),
    Scenario(
        "reset: unknown address", steps("forgot my password", "nobody@example.com", ("idle", ""))
    ),
    Scenario(
        "reset: wants a human",
        steps("reset my password please", "actually, can I talk to a human?"),
    ),
    Scenario("reset: cancels", steps("password reset", "cancel")),
    Scenario(
        "name: plain",
        steps(
            "I'd like to update the name on my account",
            "fay@example.com",
            ("code", "fay@example.com"),
            "name",
            "Fay Fuller",
        ),
    ),
    Scenario(
        "name: wrong code first",
        steps(
            "Can you change my name? I got married",
            "gus@example.com",
            ("wrong", ""),
            ("code", "gus@example.com"),
            "the name",
            "Gus Green",
        ),
    ),
    Scenario(
        "name: bad email first",
        steps(
            "change my account name",
            "my usual address",
            "hal@example.com",
            ("code", "hal@example.com"),
            "name",
            "Hal Hill",
        ),
    ),
    Scenario(
        "email: change",
        steps(
            "I need to change my email address",
            "ivy@example.com",
            ("code", "ivy@example.com"),
            "email",
            "ivy@new.example",
            ("code", "ivy@new.example"),
        ),
    ),
    Scenario(
        "email: five wrong codes",
        steps(
            "update my email address please",
            "jon@example.com",
            ("wrong", ""),
            ("wrong", ""),
            ("wrong", ""),
            ("wrong", ""),
            ("wrong", ""),
        ),
    ),
    Scenario(
        "member: admin adds",
        steps(
            "Please add my colleague to our team",
            "kay@acme.example",
            ("code", "kay@acme.example"),
            "lou@acme.example",
            "Lou Lane",
        ),
    ),
    Scenario(
        "member: invite",
        steps(
            "I want to invite a new teammate to our account",
            "kay@acme.example",
            ("code", "kay@acme.example"),
            "mo@acme.example",
            "Mo Moss",
        ),
    ),
    Scenario(
        "member: not an admin",
        steps(
            "add a new user to our team",
            "ned@acme.example",
            ("code", "ned@acme.example"),
            "oz@acme.example",
            "Oz Ode",
        ),
    ),
    Scenario(
        "feature: API",
        steps("Can I get API access?", "ned@acme.example", ("code", "ned@acme.example")),
    ),
    Scenario(
        "feature: reports",
        steps(
            "please enable advanced reports for my account",
            "pam@example.com",
            ("code", "pam@example.com"),
        ),
    ),
    Scenario(
        "feature: SSO as member",
        steps("I need access to single sign-on", "pam@example.com", ("code", "pam@example.com")),
    ),
    Scenario(
        "feature: unlisted",
        steps(
            "I need access to a feature",
            "ned@acme.example",
            ("code", "ned@acme.example"),
            "the kitchen sink",
            "the whole lot",
            "everything",
        ),
    ),
]

ACCOUNTS = [
    ("amy@example.com", "Amy", None, "member"),
    ("ben@example.com", "Ben", None, "member"),
    ("cat@example.com", "Cat", None, "member"),
    ("dan@example.com", "Dan", None, "member"),
    ("eve@example.com", "Eve", None, "member"),
    ("fay@example.com", "Fay", None, "member"),
    ("gus@example.com", "Gus", None, "member"),
    ("hal@example.com", "Hal", None, "member"),
    ("ivy@example.com", "Ivy", None, "member"),
    ("jon@example.com", "Jon", None, "member"),
    ("kay@acme.example", "Kay", "Acme", "admin"),
    ("ned@acme.example", "Ned", "Acme", "member"),
    ("pam@example.com", "Pam", "Pco", "member"),
]


async def _add_account(
    address: str, name: str, org: str | None, role: str, fd: Frontdesk, uow: Any
) -> Any:
    return await uow.accounts.add(address, name, fd.desk.clock(), org=org, role=AccountRole(role))


async def _ticket(ticket_id: int, uow: Any) -> tuple[Any, list[Any]]:
    return await uow.tickets.get(ticket_id), await uow.events.for_ticket(ticket_id)


async def main() -> int:
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="fd-fulfil-bench-") as tmp:
        settings = load_settings(
            environ={},
            database_url=f"sqlite+aiosqlite:///{tmp}/fd.db",
            data_dir=tmp,
            chat_burst=1000,
            sessions_per_ip_per_min=0,  # every client is 127.0.0.1
            tickets_per_ip_per_hour=0,
            chat_rate_per_s=1000.0,
        )
        app = create_app(settings)
        client = TestClient(TestServer(app, port=0))
        await client.start_server()
        try:
            fd = app[FRONTDESK]
            for address, name, org, role in ACCOUNTS:
                await fd.store.write(partial(_add_account, address, name, org, role, fd))
            fulfilled = 0
            for scenario in SCENARIOS:
                run = Run(client, fd, settings.mail_dir)
                await run.open()
                await scenario.script(run)
                tid = run.ticket_id()
                ticket, events = await fd.store.read(partial(_ticket, tid)) if tid else (None, [])
                handed = any(e.kind == "handoff" for e in events)
                auto = bool(ticket and ticket.auto_fulfilled and not handed)
                fulfilled += auto
                outcome = (
                    "auto-fulfilled"
                    if auto
                    else "no ticket"
                    if ticket is None
                    else f"{ticket.status.value}{', handed to an agent' if handed else ''}"
                )
                intent = ticket.intent if ticket else "-"
                print(f"  {scenario.name:<26} {intent:<16} {outcome}")
        finally:
            await client.close()
    share = fulfilled / len(SCENARIOS)
    print(
        f"fully auto-fulfilled: {fulfilled}/{len(SCENARIOS)} service requests = {share:.0%} "
        f"({time.perf_counter() - started:.1f}s)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
