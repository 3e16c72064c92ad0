"""A reply committed on one process reaching a customer whose long poll waits on another, beside
the same reply reaching a customer waiting on the process that committed it, in one run.

Two `frontdesk run` processes (A and B) share a fresh PostgreSQL database. Two customers open a
chat on A and get a ticket each; an agent signed in on A takes both. Then, alternating, the
customer's long poll is parked (on B for the first customer: across processes, by LISTEN/NOTIFY;
on A for the second: the same process, the ceiling), the agent replies on A, and the time from
sending the reply until the poll returns it is recorded. Prints p50/p99 of both, and how long
the agent's POST itself took (the commit is inside it) and how long after its answer the
customer saw the reply (0 when the poll returned first: the commit's notification is sent
before the answer).

    .venv/bin/python bench/cross_process.py [--replies 200] \
        [--admin-url postgresql://root@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
import asyncpg
from frontdesk_server import FRONTDESK, ROOT, Server, start_frontdesk

PASSWORD = "correct horse battery staple"
PARKED = 0.05  # s: the poll is waiting on its server before the reply is sent


class Customer:
    """A web-chat customer whose long poll goes to ``poll_base``."""

    def __init__(self, http: aiohttp.ClientSession, poll_base: str) -> None:
        self.http, self.poll_base = http, poll_base
        self.seen, self.ticket, self.auth, self.path = 0, "", {}, ""

    async def open_ticket(self, base: str, text: str) -> None:
        async with self.http.post(f"{base}/api/chat/sessions") as r:
            session = await r.json()
        self.auth = {"Authorization": f"Bearer {session['token']}"}
        self.path = f"/api/chat/sessions/{session['session_id']}/messages"
        async with self.http.post(base + self.path, json={"text": text}, headers=self.auth) as r:
            assert r.status == 202, await r.text()
        while not self.ticket:
            for m in await self.poll(10):
                found = re.search(r"FD-\d+", m["text"]) if m["sender"] == "bot" else None
                self.ticket = found.group(0) if found else self.ticket

    async def poll(self, wait: float) -> list[dict[str, object]]:
        params = {"after": self.seen, "wait": wait}
        async with self.http.get(self.poll_base + self.path, params=params, headers=self.auth) as r:
            messages: list[dict[str, object]] = (await r.json())["messages"]
        self.seen = max([self.seen, *(int(str(m["seq"])) for m in messages)])
        return messages

    async def wait_for(self, text: str) -> float:
        """When ``text`` became visible (``time.perf_counter``)."""
        while True:
            messages = await self.poll(10)
            if any(m["text"] == text for m in messages):
                return time.perf_counter()


async def measure(a: str, b: str, replies: int) -> dict[str, list[float]]:
    jar = aiohttp.CookieJar(unsafe=True)  # the session cookie of a server on an IP address
    async with aiohttp.ClientSession() as http, aiohttp.ClientSession(cookie_jar=jar) as agent:
        customers = {"across processes (poll on B)": Customer(http, b),
                     "same process (poll on A)": Customer(http, a)}  # fmt: skip
        for i, customer in enumerate(customers.values()):
            await customer.open_ticket(a, f"The app crashes on export ({i})")
        login = {"email": "ann@example.com", "password": PASSWORD}
        async with agent.post(f"{a}/api/agent/login", json=login) as r:
            csrf = {"X-CSRF-Token": (await r.json())["csrf_token"]}
        for customer in customers.values():
            async with agent.post(
                f"{a}/api/agent/tickets/{customer.ticket}/claim", headers=csrf
            ) as r:
                assert r.status == 200, await r.text()
        timings: dict[str, list[float]] = {name: [] for name in customers}
        timings |= {f"{name}, after the POST's answer": [] for name in customers}
        timings["agent's POST (commit included)"] = []
        for i in range(replies):
            for name, customer in customers.items():
                text = f"Reply number {i}"
                waiting = asyncio.create_task(customer.wait_for(text))
                await asyncio.sleep(PARKED)
                sent = time.perf_counter()
                async with agent.post(
                    f"{a}/api/agent/tickets/{customer.ticket}/messages",
                    json={"text": text, "internal": False},
                    headers=csrf,
                ) as r:
                    assert r.status in (200, 201, 202), await r.text()
                answered = time.perf_counter()
                timings["agent's POST (commit included)"].append(answered - sent)
                visible = await waiting
                timings[name].append(visible - sent)
                timings[f"{name}, after the POST's answer"].append(max(0.0, visible - answered))
        return timings


async def fresh_database(admin_url: str, name: str) -> str:
    conn = await asyncpg.connect(admin_url)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    server = admin_url.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    return f"{server}/{name}"


async def drop_database(admin_url: str, name: str) -> None:
    conn = await asyncpg.connect(admin_url)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


def ms(values: list[float], q: float) -> str:
    ordered = sorted(values)
    return f"{ordered[min(len(ordered) - 1, int(len(ordered) * q))] * 1000:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--replies", type=int, default=200)
    parser.add_argument("--admin-url", default="postgresql://root@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    if not 1 <= args.replies <= 5_000:
        sys.exit("--replies must be 1..5000")
    name = f"fd_bench_cross_{os.getpid()}"
    url = asyncio.run(fresh_database(args.admin_url, name))
    tmp = Path(tempfile.mkdtemp(prefix="fd-cross-"))
    env = {**os.environ, "FRONTDESK_DATA_DIR": str(tmp), "FRONTDESK_LOG_LEVEL": "WARNING",
           "FRONTDESK_DATABASE_URL": url,  # every client is 127.0.0.1: the abuse limits off
           "FRONTDESK_SESSIONS_PER_IP_PER_MIN": "0", "FRONTDESK_TICKETS_PER_IP_PER_HOUR": "0",
           "FRONTDESK_LOGIN_ATTEMPTS_PER_IP": "0"}  # fmt: skip
    servers: list[Server] = []
    try:
        subprocess.run([*FRONTDESK, "agents", "create", "--email", "ann@example.com",
                        "--name", "Ann"], input=PASSWORD + "\n", text=True, env=env, cwd=ROOT,
                       check=True, capture_output=True)  # fmt: skip
        servers.append(start_frontdesk(url, env, timeout=180))  # A trains the first model
        servers.append(start_frontdesk(url, env, timeout=180))  # B loads it
        timings = asyncio.run(measure(servers[0].base, servers[1].base, args.replies))
    finally:
        for server in servers:
            server.stop()
        asyncio.run(drop_database(args.admin_url, name))
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"PostgreSQL, 2 processes, {args.replies} replies each way, load average {load}")
    print("agent's reply sent on A -> visible to the customer's long poll:")
    for what, values in timings.items():
        print(f"  {what:<53} p50 {ms(values, 0.5):>7} ms  p99 {ms(values, 0.99):>7} ms  "
              f"max {max(values) * 1000:.1f} ms")  # fmt: skip


if __name__ == "__main__":
    main()
