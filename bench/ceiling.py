"""Frontdesk beside its ceiling, in one run: the same load generator drives `frontdesk run` and
a do-nothing aiohttp server (``bench/noop_server.py``) with the same four web-chat requests per
message (open a session, send a problem, a poll returning it, a poll returning the bot's reply).

Prints, for both servers: messages/s in a closed loop (N customers, each waiting for the reply
before the next message), the ratio, server CPU per message (``/proc``), the load generator's own
CPU (it runs in several processes so it is not the limit; if its cores are near 1.0 each, it is);
then Frontdesk's cost per message read from its ``/metrics``: SQL statements for a first message,
an acknowledged follow-up and a silent one (median over several customers), writes per commit
and texts per classifier call under the closed-loop load; then open-loop latency (accepted →
reply visible) at fixed offered rates.

    make bench-ceiling
    .venv/bin/python bench/ceiling.py --customers 64 --seconds 10 --processes 2 \
        --rates 10,100,500 --rate-seconds 5 [--database-url postgresql+asyncpg://...] \\
        [--profile /tmp/frontdesk.pyspy]   # py-spy samples of the server during its closed loop
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import multiprocessing
import os
import resource
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from frontdesk_server import Server, start_frontdesk, start_server
from prometheus_client.parser import text_string_to_metric_families
from server_profile import print_summary, record

HERE = Path(__file__).resolve().parent
TEXTS = [
    "Since noon your API answers 503 to every request we send",
    "The desktop app freezes whenever I export a report",
    "Card payments keep failing at checkout",
    "Please add a dark mode to the dashboard",
    "Our invoices show the wrong VAT number",
]
REPLY_TIMEOUT = 10.0


# -- one customer's message, as the widget does it -------------------------------------------


@dataclass
class Tally:
    """What one load process saw."""

    latencies: list[float] = field(default_factory=list)  # accepted -> reply visible, s
    requests: int = 0
    offered: int = 0
    failures: dict[str, int] = field(default_factory=dict)
    cpu: float = 0.0  # this process's user + system CPU during the load, s

    def fail(self, why: str) -> None:
        self.failures[why] = self.failures.get(why, 0) + 1


async def one_message(http: aiohttp.ClientSession, base: str, text: str, tally: Tally) -> None:
    """Open a session, send ``text``, poll until the bot's reply is visible."""
    try:
        await _one_message(http, base, text, tally)
    except (aiohttp.ClientError, TimeoutError) as exc:
        tally.fail(type(exc).__name__)


async def _one_message(http: aiohttp.ClientSession, base: str, text: str, tally: Tally) -> None:
    tally.requests += 1
    async with http.post(f"{base}/api/chat/sessions") as r:
        if r.status != 201:
            return tally.fail(f"session {r.status}")
        session = await r.json()
    auth = {"Authorization": f"Bearer {session['token']}"}
    url = f"{base}/api/chat/sessions/{session['session_id']}/messages"
    tally.requests += 1
    async with http.post(url, json={"text": text}, headers=auth) as r:
        if r.status != 202:
            return tally.fail(f"send {r.status}")
    accepted = time.monotonic()
    seen = 0
    while time.monotonic() < accepted + REPLY_TIMEOUT:
        tally.requests += 1
        async with http.get(url, params={"after": seen, "wait": 10}, headers=auth) as r:
            if r.status != 200:
                return tally.fail(f"poll {r.status}")
            for m in (await r.json())["messages"]:
                seen = max(seen, m["seq"])
                if m["sender"] == "bot":
                    tally.latencies.append(time.monotonic() - accepted)
                    return
    return tally.fail("no reply")


async def warm_up(base: str) -> None:
    """One message answered before anything is timed."""
    async with aiohttp.ClientSession() as http:
        await one_message(http, base, TEXTS[0], Tally())


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def _closed(base: str, customers: int, seconds: float, start_at: float, k: int) -> Tally:
    tally = Tally()
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
        await asyncio.sleep(max(0.0, start_at - time.time()))
        cpu, stop_at = _cpu(), time.monotonic() + seconds

        async def customer(i: int) -> None:
            n = 0
            while time.monotonic() < stop_at:
                await one_message(
                    http, base, f"{TEXTS[(i + n) % len(TEXTS)]} (#{k}.{i}.{n})", tally
                )
                n += 1

        await asyncio.gather(*(customer(i) for i in range(customers)))
        tally.cpu = _cpu() - cpu
    return tally


async def _open(base: str, rate: float, seconds: float, start_at: float, k: int) -> Tally:
    tally = Tally()
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
        await asyncio.sleep(max(0.0, start_at - time.time()))
        cpu, start = _cpu(), time.monotonic()
        tasks = []
        n = int(rate * seconds)
        for i in range(n):
            await asyncio.sleep(max(0.0, start + i / rate - time.monotonic()))
            tally.offered += 1
            text = f"{TEXTS[i % len(TEXTS)]} (#{k}.{i})"
            tasks.append(asyncio.create_task(one_message(http, base, text, tally)))
        await asyncio.gather(*tasks)
        tally.cpu = _cpu() - cpu
    return tally


def closed_process(base: str, customers: int, seconds: float, start_at: float, k: int) -> Tally:
    return asyncio.run(_closed(base, customers, seconds, start_at, k))


def open_process(base: str, rate: float, seconds: float, start_at: float, k: int) -> Tally:
    return asyncio.run(_open(base, rate, seconds, start_at, k))


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


@dataclass
class Run:
    messages: int
    seconds: float
    latencies: list[float]
    requests: int
    failures: dict[str, int]
    offered: int
    load_cpu: float
    server_cpu: float
    server_system: float = 0.0  # of server_cpu, the kernel's
    switches: int = 0  # the server's threads' context switches

    @property
    def per_s(self) -> float:
        return self.messages / self.seconds

    def ms(self, q: float) -> str:
        return f"{percentile(self.latencies, q) * 1000:.1f}" if self.latencies else "-"


def drive(pool: ProcessPoolExecutor, server: Server, processes: int, job: Any, *args: Any) -> Run:
    """Run ``job`` in every load process at the same moment; add up what they saw."""
    start_at = time.time() + 0.5
    cpu, system, switches = server.cpu_seconds(), server.system_seconds(), server.context_switches()
    futures = [pool.submit(job, server.base, *args, start_at, k) for k in range(processes)]
    tallies = [f.result() for f in futures]
    server_cpu = server.cpu_seconds() - cpu
    latencies = [x for t in tallies for x in t.latencies]
    seconds = args[1]
    return Run(
        messages=len(latencies),
        seconds=seconds,
        latencies=latencies,
        requests=sum(t.requests for t in tallies),
        failures={
            why: sum(t.failures.get(why, 0) for t in tallies)
            for why in {w for t in tallies for w in t.failures}
        },
        offered=sum(t.offered for t in tallies),
        load_cpu=sum(t.cpu for t in tallies),
        server_cpu=server_cpu,
        server_system=server.system_seconds() - system,
        switches=server.context_switches() - switches,
    )


def failed(run: Run) -> str:
    return ",".join(f"{why}:{n}" for why, n in sorted(run.failures.items())) or "0"


# -- Frontdesk's own counters ----------------------------------------------------------------


async def scrape(http: aiohttp.ClientSession, base: str) -> dict[str, float]:
    async with http.get(f"{base}/metrics") as r:
        text = await r.text()
    found: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            labels = ",".join(f"{k}={v}" for k, v in sorted(s.labels.items()))
            found[f"{s.name}{{{labels}}}" if labels else s.name] = s.value
    return found


WRITTEN = "frontdesk_sql_statements_total{connection=writer}"
READ = "frontdesk_sql_statements_total{connection=reader}"
PROCESSED = "frontdesk_messages_total{direction=in}"


async def statements_per_message(base: str, customers: int) -> dict[str, float]:
    """SQL statements (the writer's, and reads) and commits for a first message, an
    acknowledged follow-up and a silent third one, each from the customer's send until the
    message is processed and its replies delivered, the customer's polls included and the
    ``/metrics`` scrapes' own reads taken out; median over ``customers`` customers one after
    another (a background job's round lands in one)."""
    counts: dict[str, list[float]] = {
        f"{kind} {what}": []
        for kind in ("first", "follow-up", "silent")
        for what in ("written", "read", "commits")
    }
    async with aiohttp.ClientSession() as http:
        values = [(await scrape(http, base))[READ] for _ in range(6)]
        per_scrape = min(b - a for a, b in itertools.pairwise(values))
        for i in range(customers):
            async with http.post(f"{base}/api/chat/sessions") as r:
                session = await r.json()
            auth = {"Authorization": f"Bearer {session['token']}"}
            url = f"{base}/api/chat/sessions/{session['session_id']}/messages"
            seen = 0
            for kind, text in (
                ("first", f"{TEXTS[i % len(TEXTS)]} (#{i})"),
                ("follow-up", "It is still happening, any news?"),
                ("silent", "One more detail: it started this morning."),
            ):
                before = await scrape(http, base)
                async with http.post(url, json={"text": text}, headers=auth) as r:
                    assert r.status == 202, await r.text()
                replied = kind == "silent"
                while True:
                    wait = 0 if replied else 10
                    async with http.get(
                        url, params={"after": seen, "wait": wait}, headers=auth
                    ) as r:
                        for m in (await r.json())["messages"]:
                            seen = max(seen, m["seq"])
                            replied = replied or m["sender"] == "bot"
                    if replied:
                        break
                scrapes, last = 0, before
                while True:  # processed, delivered, and nothing else running
                    await asyncio.sleep(0.02)
                    now = await scrape(http, base)
                    scrapes += 1
                    quiet = now[READ] - last[READ] == per_scrape and now[WRITTEN] == last[WRITTEN]
                    done = now[PROCESSED] > before[PROCESSED]
                    if done and quiet and now.get("frontdesk_outbox_depth", 0) == 0:
                        break
                    last = now
                counts[f"{kind} written"].append(now[WRITTEN] - before[WRITTEN])
                counts[f"{kind} read"].append(now[READ] - before[READ] - per_scrape * scrapes)
                commits = "frontdesk_store_commits_total"
                counts[f"{kind} commits"].append(now[commits] - before[commits])
    return {kind: statistics.median(v) for kind, v in counts.items()}


async def costs_during(base: str) -> dict[str, float]:
    async with aiohttp.ClientSession() as http:
        return await scrape(http, base)


# -- the run ---------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--processes", type=int, default=2, help="load generator processes")
    parser.add_argument("--rates", default="10,100,500", help="open-loop offered messages/s")
    parser.add_argument("--rate-seconds", type=float, default=5.0)
    parser.add_argument("--statement-customers", type=int, default=9)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--profile", type=Path, help="py-spy the server's closed loop into FILE")
    args = parser.parse_args()
    rates = [float(r) for r in args.rates.split(",") if r.strip()]
    if not 1 <= args.customers <= 2000 or not 0 < args.seconds <= 120:
        sys.exit("customers must be 1..2000 and seconds 0..120")
    if not 1 <= args.processes <= 16 or any(not 0 < r <= 5000 for r in rates):
        sys.exit("processes must be 1..16 and rates 0..5000")

    tmp = Path(tempfile.mkdtemp(prefix="fd-ceiling-"))
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
    noop = start_server([sys.executable, str(HERE / "noop_server.py")], env)
    servers: dict[str, Server] = {}
    try:
        noop.wait_healthy()
        servers["no-op"] = noop
        servers["Frontdesk"] = start_frontdesk(url, env, timeout=180)  # it trains a model
        report(servers, args, rates, url)
    finally:
        for server in (noop, *servers.values()):
            server.stop()


def report(
    servers: dict[str, Server], args: argparse.Namespace, rates: list[float], url: str
) -> None:
    fd = servers["Frontdesk"]
    p = args.processes
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=p, mp_context=spawn) as pool:
        list(pool.map(time.sleep, [0] * p))  # the processes exist before anything is timed
        for server in servers.values():  # the first message loads the sentence encoder
            asyncio.run(warm_up(server.base))  # (~3.5 s of CPU): a start-up cost, not a message's
        closed: dict[str, Run] = {}
        costs: dict[str, float] = {}
        for name, server in servers.items():
            before = asyncio.run(costs_during(server.base)) if name == "Frontdesk" else {}
            per = max(1, args.customers // p)
            spy = args.profile and before and record(server.pid, args.seconds, args.profile)
            closed[name] = drive(pool, server, p, closed_process, per, args.seconds)
            if spy:
                spy.wait(30)
            if before:
                after = asyncio.run(costs_during(server.base))
                costs = {k: after.get(k, 0) - v for k, v in before.items()}
        time.sleep(2)  # let Frontdesk finish what the closed loop left in flight
        statements = asyncio.run(statements_per_message(fd.base, args.statement_customers))
        opened: dict[float, dict[str, Run]] = {}
        for rate in rates:
            opened[rate] = {}
            for name, server in servers.items():
                opened[rate][name] = drive(
                    pool, server, p, open_process, rate / p, args.rate_seconds
                )
                time.sleep(1)

    print(f"ceiling: database {url.split(':')[0]}, {args.customers} customers in a closed loop "
          f"for {args.seconds:g} s, load from {p} processes, {os.cpu_count()} CPUs, "
          f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")  # fmt: skip
    print(f"{'server':<10} {'msg/s':>7} {'p50 ms':>8} {'p99 ms':>8} {'CPU ms/msg':>11} "
          f"{'req/msg':>8} {'load CPU/s':>11} {'failed':>7}")  # fmt: skip
    for name, run in closed.items():
        per_msg = run.server_cpu / max(1, run.messages) * 1000
        print(f"{name:<10} {run.per_s:>7.0f} {run.ms(0.5):>8} {run.ms(0.99):>8} "
              f"{per_msg:>11.2f} {run.requests / max(1, run.messages):>8.1f} "
              f"{run.load_cpu / run.seconds:>11.2f} {failed(run):>7}")  # fmt: skip
    for name, run in closed.items():
        n = max(1, run.messages)
        print(f"{name:<10} of the CPU per message, the kernel's {run.server_system / n * 1000:.2f} "
              f"ms; context switches per message {run.switches / n:.1f}")  # fmt: skip
    ratio = closed["Frontdesk"].per_s / max(1e-9, closed["no-op"].per_s)
    print(f"ratio Frontdesk / no-op: {ratio:.2f}")
    commits = costs.get("frontdesk_store_commits_total", 0)
    calls = costs.get("frontdesk_classifier_calls_total", 0)
    jobs_per_commit = costs.get("frontdesk_store_jobs_total", 0) / max(1, commits)
    texts_per_call = costs.get("frontdesk_classifier_texts_total", 0) / max(1, calls)
    print(f"Frontdesk under that load: {jobs_per_commit:.1f} writes per commit, "
          f"{texts_per_call:.1f} texts per classifier call")  # fmt: skip
    print(
        f"SQL statements per message (median of {args.statement_customers} customers), "
        "written in transactions + read (the customer's polls included):"
    )
    for kind in ("first", "follow-up", "silent"):
        print(f"  {kind:<10} {statements[kind + ' written']:.0f} written in "
              f"{statements[kind + ' commits']:.0f} transactions + "
              f"{statements[kind + ' read']:.0f} read")  # fmt: skip
    if args.profile and args.profile.exists():
        print_summary(args.profile)
    print(f"open loop, {args.rate_seconds:g} s per rate, accepted -> reply visible:")
    print(f"{'offered/s':>10} {'server':<10} {'answered':>12} {'p50 ms':>8} {'p99 ms':>8} "
          f"{'CPU ms/msg':>11} failed")  # fmt: skip
    for rate, runs in opened.items():
        for name, run in runs.items():
            per_msg = run.server_cpu / max(1, run.messages) * 1000
            answered = f"{run.messages}/{run.offered}"
            print(f"{rate:>10.0f} {name:<10} {answered:>12} {run.ms(0.5):>8} {run.ms(0.99):>8} "
                  f"{per_msg:>11.2f} {failed(run)}")  # fmt: skip


if __name__ == "__main__":
    main()
