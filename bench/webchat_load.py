"""Web-chat load: N concurrent customers on 127.0.0.1, each opening a chat, describing a new
problem and waiting for the bot's reply (ticket opened, handed off), again and again.
Prints messages/s and p50/p99 from 'accepted' (202) to 'reply visible' (the long poll returned
it). Bounded in customers, messages and seconds.

    make bench                          # 64 customers, 10 s
    .venv/bin/python bench/webchat_load.py --customers 32 --seconds 5 --database-url ...
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
from frontdesk_server import serving

TEXTS = [
    "Since noon your API answers 503 to every request we send",
    "How do I get our invoices as PDF?",
    "The desktop app freezes whenever I export a report",
    "Card payments keep failing at checkout",
    "Please add a dark mode to the dashboard",
]


async def customer(
    http: aiohttp.ClientSession, base: str, stop_at: float, latencies: list[float], i: int
) -> None:
    n = 0
    while time.monotonic() < stop_at:
        # a new conversation each time: the bot answers a new issue, then hands it to agents
        async with http.post(f"{base}/api/chat/sessions") as r:
            session = await r.json()
        auth = {"Authorization": f"Bearer {session['token']}"}
        url = f"{base}/api/chat/sessions/{session['session_id']}/messages"
        seen = 0
        text = TEXTS[(i + n) % len(TEXTS)] + f" (#{n})"
        async with http.post(url, json={"text": text}, headers=auth) as r:
            if r.status == 429:
                await asyncio.sleep(float(r.headers.get("Retry-After", "1")))
                continue
            assert r.status == 202, await r.text()
        accepted = time.monotonic()
        got_reply = False
        while not got_reply and time.monotonic() < stop_at + 10:
            async with http.get(url, params={"after": seen, "wait": 10}, headers=auth) as r:
                for m in (await r.json())["messages"]:
                    seen = max(seen, m["seq"])
                    if m["sender"] == "bot":
                        got_reply = True
        if got_reply:
            latencies.append(time.monotonic() - accepted)
        n += 1


async def load(base: str, customers: int, seconds: float) -> list[float]:
    latencies: list[float] = []
    connector = aiohttp.TCPConnector(limit=customers * 2)
    async with aiohttp.ClientSession(connector=connector) as http:
        stop_at = time.monotonic() + seconds
        await asyncio.gather(
            *(customer(http, base, stop_at, latencies, i) for i in range(customers))
        )
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    if not 1 <= args.customers <= 1000 or not 0 < args.seconds <= 120:
        sys.exit("customers must be 1..1000 and seconds 0..120")
    tmp = Path(tempfile.mkdtemp(prefix="fd-bench-"))
    url = args.database_url or f"sqlite+aiosqlite:///{tmp}/bench.db"
    env = {
        **os.environ,
        "FRONTDESK_DATA_DIR": str(tmp),
        "FRONTDESK_LOG_LEVEL": "WARNING",
        "FRONTDESK_CHAT_BURST": "1000",
        "FRONTDESK_SESSIONS_PER_IP_PER_MIN": "0",  # every client is 127.0.0.1
        "FRONTDESK_TICKETS_PER_IP_PER_HOUR": "0",
        "FRONTDESK_LOGIN_ATTEMPTS_PER_IP": "0",
        "FRONTDESK_CHAT_RATE_PER_S": "1000",
    }
    with serving(url, env) as base:
        latencies = asyncio.run(load(base, args.customers, args.seconds))
    if not latencies:
        sys.exit("no replies measured")
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    print(f"database: {url.split(':')[0]}  customers: {args.customers}  seconds: {args.seconds}")
    print(
        f"messages answered: {len(latencies)}  throughput: {len(latencies) / args.seconds:.0f} "
        f"messages/s"
    )
    print(
        f"accepted -> reply visible: p50 {statistics.median(latencies) * 1000:.1f} ms  "
        f"p99 {p99 * 1000:.1f} ms"
    )


if __name__ == "__main__":
    main()
