"""Three real `frontdesk run` processes on one PostgreSQL database behave as one front desk:
each background job runs in exactly one of them, an agent's console on one process sees at once
what a customer's message did on another (LISTEN/NOTIFY), and when one process is killed with
SIGKILL in the middle of a load its jobs move to a survivor and no message is lost or answered
twice."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import pytest
from prometheus_client.parser import text_string_to_metric_families

from store.engine import driver_dsn

ROOT = Path(__file__).resolve().parent.parent
TEXT = "Card payments keep failing at checkout"
JOBS = {"delivery", "escalation", "spike-check", "auto-close", "fulfilment-idle-check"}
PASSWORD = "correct horse battery staple"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def environment(data_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "FRONTDESK_DATA_DIR": str(data_dir),
        "FRONTDESK_PROCESSING_LEASE_S": "3",  # a killed process's messages are free after 3 s
        "FRONTDESK_SWEEP_INTERVAL_S": "1",
        "FRONTDESK_SESSIONS_PER_IP_PER_MIN": "0",
        "FRONTDESK_TICKETS_PER_IP_PER_HOUR": "0",
        "FRONTDESK_ENGINE_WORKERS": "4",
    }


class Process:
    def __init__(self, name: str, url: str, data_dir: Path) -> None:
        self.name, self.url, self.data_dir = name, url, data_dir
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        command = [sys.executable, "-m", "bot", "run", "--port", str(self.port)]
        self.proc = subprocess.Popen(
            [*command, "--database-url", self.url],
            cwd=ROOT,
            env=environment(self.data_dir),
            stdout=subprocess.DEVNULL,
            stderr=open(self.data_dir / f"{self.name}.log", "ab"),  # noqa: SIM115
            start_new_session=True,
        )

    async def healthy(self, http: aiohttp.ClientSession) -> None:
        for _ in range(600):
            assert self.proc is not None and self.proc.poll() is None, self.log()
            try:
                async with http.get(self.base + "/healthz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.2)
        raise AssertionError(f"{self.name} did not become healthy: {self.log()}")

    async def jobs(self, http: aiohttp.ClientSession) -> set[str]:
        """The background jobs this process runs now, from its /metrics."""
        async with http.get(self.base + "/metrics") as response:
            text = await response.text()
        return {
            sample.labels["job"]
            for family in text_string_to_metric_families(text)
            for sample in family.samples
            if sample.name == "frontdesk_background_job_running" and sample.value == 1
        }

    def kill(self) -> None:
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)

    def log(self) -> str:
        return (self.data_dir / f"{self.name}.log").read_text()[-3000:]


class Customer:
    def __init__(self, http: aiohttp.ClientSession) -> None:
        self.http = http
        self.session_id = self.token = ""
        self.accepted: list[int] = []

    async def open(self, process: Process) -> Customer:
        async with self.http.post(process.base + "/api/chat/sessions") as response:
            assert response.status == 201, await response.text()
            body = await response.json()
        self.session_id, self.token = body["session_id"], body["token"]
        return self

    def url(self, process: Process) -> str:
        return f"{process.base}/api/chat/sessions/{self.session_id}/messages"

    async def say(self, process: Process, text: str) -> int | None:
        """The status of the send; ``None`` when the process died under it."""
        headers = {"Authorization": f"Bearer {self.token}"}
        try:
            async with self.http.post(
                self.url(process), json={"text": text}, headers=headers
            ) as response:
                if response.status == 202:
                    self.accepted.append((await response.json())["message_id"])
                return response.status
        except aiohttp.ClientError:
            return None

    async def transcript(self, process: Process, wait: float = 0) -> list[dict[str, Any]]:
        headers = {"Authorization": f"Bearer {self.token}"}
        params = {"after": "0", "wait": str(wait)}
        async with self.http.get(self.url(process), params=params, headers=headers) as response:
            assert response.status == 200, await response.text()
            return list((await response.json())["messages"])


async def until(check: Any, what: str, tries: int = 300) -> Any:
    for _ in range(tries):
        found = await check()
        if found:
            return found
        await asyncio.sleep(0.2)
    raise AssertionError(f"never: {what}")


async def owners(http: aiohttp.ClientSession, processes: list[Process]) -> dict[str, list[str]]:
    held: dict[str, list[str]] = {job: [] for job in JOBS}
    for p in processes:
        for job in await p.jobs(http) & JOBS:
            held[job].append(p.name)
    return held


async def each_job_once(http: aiohttp.ClientSession, processes: list[Process]) -> bool:
    return all(len(names) == 1 for names in (await owners(http, processes)).values())


def create_agent(url: str, data_dir: Path) -> None:
    command = [sys.executable, "-m", "bot", "agents", "create", "--email", "ann@example.com"]
    subprocess.run(
        [*command, "--name", "Ann", "--database-url", url],
        cwd=ROOT,
        env=environment(data_dir),
        input=PASSWORD.encode(),
        check=True,
        capture_output=True,
    )


async def console_events(
    http: aiohttp.ClientSession, process: Process, seen: list[str], ready: asyncio.Event
) -> None:
    """An agent's console on ``process``: every ticket id its event stream names."""
    login = {"email": "ann@example.com", "password": PASSWORD}
    async with http.post(process.base + "/api/agent/login", json=login) as response:
        assert response.status == 200, await response.text()
        cookie = response.cookies["frontdesk_session"].value
    headers = {"Cookie": f"frontdesk_session={cookie}"}
    async with http.get(process.base + "/console/events", headers=headers) as stream:
        ready.set()
        async for line in stream.content:
            if line.startswith(b"data: "):
                seen.extend(json.loads(line[6:])["tickets"])


async def unprocessed(url: str) -> int:
    conn = await asyncpg.connect(driver_dsn(url))
    try:
        return int(
            await conn.fetchval(
                "SELECT count(*) FROM messages WHERE direction = 'inbound' AND processed_at IS NULL"
            )
        )
    finally:
        await conn.close()


@pytest.mark.timeout(300)
async def test_three_processes_are_one_desk_and_survive_a_sigkill(
    postgres_url: str, model_dir: Path, tmp_path: Path
) -> None:
    a, b, c = (Process(name, postgres_url, tmp_path) for name in "abc")
    processes = [a, b, c]
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as http:
        try:
            a.start()  # migrates the empty database; the others find it done
            await a.healthy(http)
            b.start()
            c.start()
            await b.healthy(http)
            await c.healthy(http)
            create_agent(postgres_url, tmp_path)

            # Each background job runs in exactly one of the three.
            await until(lambda: each_job_once(http, processes), "each job in one process")

            # A customer writes to B; the agent's console on A hears of the new ticket from
            # the change itself (a re-read after a quiet spell names no ticket).
            seen: list[str] = []
            ready = asyncio.Event()
            console = asyncio.create_task(console_events(http, a, seen, ready))
            await asyncio.wait_for(ready.wait(), 30)
            first = await Customer(http).open(b)
            assert await first.say(b, TEXT) == 202
            reply = await until(lambda: _bot_reply(first, a), "the reply, read on another process")
            ticket = re.findall(r"FD-\d+", reply["text"])[0]
            await until(lambda: _named(seen, ticket), f"{ticket} on A's console")
            console.cancel()

            # Load over the three; the process that runs the most jobs is killed under it.
            held = await owners(http, processes)
            victim = max(processes, key=lambda p: sum(p.name in n for n in held.values()))
            survivors = [p for p in processes if p is not victim]
            customers = [await Customer(http).open(processes[i % 3]) for i in range(30)]
            sends = [
                asyncio.create_task(c.say(processes[i % 3], TEXT)) for i, c in enumerate(customers)
            ]
            await asyncio.sleep(0.3)  # some answered, some accepted and not yet processed
            victim.kill()
            statuses = await asyncio.gather(*sends)
            more = [await Customer(http).open(survivors[i % 2]) for i in range(6)]
            statuses += [await m.say(survivors[i % 2], TEXT) for i, m in enumerate(more)]
            assert statuses.count(202) >= 6 + 10  # those to the survivors at least
            assert set(statuses) <= {202, None}

            # The victim's jobs moved: again each in exactly one (live) process.
            await until(lambda: each_job_once(http, survivors), "jobs taken over")
            # Nothing lost: every stored message processed, every accepted one answered...
            await until(lambda: _none_left(postgres_url), "no message left unprocessed")
            reader = survivors[0]
            for customer in [first, *customers, *more]:
                said = await customer.transcript(reader)
                # the hand-off's "While you wait: what name and email..." aside
                senders = [m["sender"] for m in said if not m["text"].startswith("While you")]
                if customer.accepted:
                    # ...and nothing answered twice: one reply per message.
                    assert senders == ["customer", "bot"], said
                else:  # killed before it answered: stored (answered once) or not at all
                    assert senders in ([], ["customer", "bot"]), said
        finally:
            for p in processes:
                if p.proc is not None and p.proc.poll() is None:
                    p.kill()


async def _bot_reply(customer: Customer, process: Process) -> dict[str, Any] | None:
    said = await customer.transcript(process, wait=5)
    return next((m for m in said if m["sender"] == "bot"), None)


async def _named(seen: list[str], ticket: str) -> bool:
    return ticket in seen


async def _none_left(url: str) -> bool:
    return await unprocessed(url) == 0
