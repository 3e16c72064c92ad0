"""How fast an agent's reply reaches the customer: an agent takes over a web-chat conversation
and sends N replies one after another; each is timed from the agent API's answer until the
customer's long poll returns it. Prints p50/p99. 127.0.0.1 only, bounded by --replies.

    .venv/bin/python bench/agent_relay.py [--replies 200] [--database-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
from frontdesk_server import FRONTDESK, ROOT, serving

PASSWORD = "correct horse battery staple"


async def relay(base: str, replies: int) -> list[float]:
    jar = aiohttp.CookieJar(unsafe=True)  # the session cookie of a server on an IP address
    async with aiohttp.ClientSession() as customer, aiohttp.ClientSession(cookie_jar=jar) as agent:
        async with customer.post(f"{base}/api/chat/sessions") as r:
            session = await r.json()
        auth = {"Authorization": f"Bearer {session['token']}"}
        url = f"{base}/api/chat/sessions/{session['session_id']}/messages"
        async with customer.post(url, json={"text": "The app crashes on export"}, headers=auth):
            pass
        seen, ticket = 0, None
        while ticket is None:
            async with customer.get(url, params={"after": seen, "wait": 10}, headers=auth) as r:
                for m in (await r.json())["messages"]:
                    seen = max(seen, m["seq"])
                    found = re.search(r"FD-\d+", m["text"]) if m["sender"] == "bot" else None
                    ticket = found.group(0) if found else ticket
        login = {"email": "ann@example.com", "password": PASSWORD}
        async with agent.post(f"{base}/api/agent/login", json=login) as r:
            csrf = {"X-CSRF-Token": (await r.json())["csrf_token"]}
        async with agent.post(f"{base}/api/agent/tickets/{ticket}/claim", headers=csrf) as r:
            assert r.status == 200, await r.text()
        timings = []
        for i in range(replies):
            text = f"Reply number {i}"
            body = {"text": text, "internal": False}
            async with agent.post(
                f"{base}/api/agent/tickets/{ticket}/messages", json=body, headers=csrf
            ) as r:
                assert r.status in (200, 201, 202), await r.text()
            sent = time.perf_counter()
            arrived = False
            while not arrived:
                async with customer.get(url, params={"after": seen, "wait": 10}, headers=auth) as r:
                    for m in (await r.json())["messages"]:
                        seen = max(seen, m["seq"])
                        arrived = arrived or m["text"] == text
            timings.append(time.perf_counter() - sent)
        return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--replies", type=int, default=200)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    if not 1 <= args.replies <= 10_000:
        sys.exit("--replies must be 1..10000")
    tmp = Path(tempfile.mkdtemp(prefix="fd-relay-"))
    url = args.database_url or f"sqlite+aiosqlite:///{tmp}/bench.db"
    env = {**os.environ, "FRONTDESK_DATA_DIR": str(tmp), "FRONTDESK_LOG_LEVEL": "WARNING",
           "FRONTDESK_DATABASE_URL": url,  # every client is 127.0.0.1: the abuse limits off
           "FRONTDESK_SESSIONS_PER_IP_PER_MIN": "0",
           "FRONTDESK_TICKETS_PER_IP_PER_HOUR": "0",
           "FRONTDESK_LOGIN_ATTEMPTS_PER_IP": "0"}  # fmt: skip
    subprocess.run([*FRONTDESK, "agents", "create", "--email", "ann@example.com", "--name", "Ann"],
                   input=PASSWORD + "\n", text=True, env=env, cwd=ROOT, check=True,
                   capture_output=True)  # fmt: skip
    with serving(url, env) as base:
        timings = sorted(asyncio.run(relay(base, args.replies)))
    p99 = timings[min(len(timings) - 1, int(len(timings) * 0.99))]
    print(f"database: {url.split(':')[0]}  replies: {len(timings)}")
    print(f"agent reply -> visible to the customer: p50 {statistics.median(timings) * 1000:.1f} ms"
          f"  p99 {p99 * 1000:.1f} ms  max {timings[-1] * 1000:.1f} ms")  # fmt: skip


if __name__ == "__main__":
    main()
