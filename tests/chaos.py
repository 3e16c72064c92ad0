"""A chaos run against a real ``frontdesk run`` process: customers keep writing while the
process is SIGKILLed and restarted and (on PostgreSQL) the database goes away and comes back.

Each customer opens a web-chat session and sends one problem, retrying with the same
``client_message_id`` until it gets a 202 (a client that lost its answer does exactly that), so
every accepted message must get exactly one bot answer. At the end the run counts:

- accepted: messages that got a 202;
- lost: accepted, but no bot answer by the deadline;
- doubled: the same bot answer written twice to one conversation (a conversation may get
  several different bot messages: the ticket's acknowledgement, then the question asking a
  handed-off customer for their name and email);
- stranded: customer messages stored but never processed (read from the database).

Used by ``tests/test_chaos.py`` (a short run in ``make test``) and ``make chaos`` (a long one).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from tests.server_process import ServerProcess

PROBLEMS = (
    "Card payments keep failing at checkout",
    "The desktop app crashes when I export a PDF",
    "Our API answers 503 since noon",
    "The dashboard is very slow to load today",
)


@dataclass
class Tally:
    accepted: int = 0
    refused: int = 0  # 503 + Retry-After while the database was away: the client retried
    errors: list[int] = field(default_factory=list)  # any other 5xx: a failure
    lost: int = 0
    doubled: int = 0
    stranded: int = 0
    answers: dict[str, int] = field(default_factory=dict)


# every customer comes from 127.0.0.1; a killed process's messages are free after 3 s
CHAOS_ENV = {
    "FRONTDESK_SESSIONS_PER_IP_PER_MIN": "0",
    "FRONTDESK_TICKETS_PER_IP_PER_HOUR": "0",
    "FRONTDESK_PROCESSING_LEASE_S": "3",
    "FRONTDESK_SWEEP_INTERVAL_S": "1",
}


async def _customer(
    http: aiohttp.ClientSession, process: ServerProcess, n: int, tally: Tally
) -> None:
    """One customer: a session and one problem, retried until accepted."""
    session: dict[str, Any] | None = None
    client_id = uuid.uuid4().hex
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if session is None:
                async with http.post(process.base + "/api/chat/sessions") as r:
                    if r.status not in (200, 201):
                        if r.status >= 500 and r.status != 503:
                            tally.errors.append(r.status)
                        await _wait_after(r)
                        continue
                    session = await r.json()
            url = f"{process.base}/api/chat/sessions/{session['session_id']}/messages"
            body = {"text": PROBLEMS[n % len(PROBLEMS)], "client_message_id": client_id}
            auth = {"Authorization": f"Bearer {session['token']}"}
            async with http.post(url, json=body, headers=auth) as r:
                if r.status == 202:
                    tally.accepted += 1
                    tally.answers[session["session_id"]] = 0
                    return
                if r.status == 503:
                    tally.refused += 1
                elif r.status >= 500:
                    tally.errors.append(r.status)
                await _wait_after(r)
        except (TimeoutError, aiohttp.ClientError):
            await asyncio.sleep(0.3)  # the process is down: the customer tries again
    raise AssertionError(f"customer {n} was never accepted")


async def _wait_after(response: aiohttp.ClientResponse) -> None:
    await asyncio.sleep(min(2.0, float(response.headers.get("Retry-After", "0.3") or 0.3)))


async def run_chaos(
    tmp: Path,
    database_url: str,
    port: int,
    customers: int,
    kills: int,
    cut_database: Callable[[bool], None] | None = None,
) -> Tally:
    """``customers`` arrive four at a time; ``kills`` SIGKILLs spread over the run and (when
    ``cut_database`` is given) one database outage of two seconds in the middle, each striking
    while a batch's messages are in flight."""
    tally = Tally()
    process = ServerProcess(tmp, database_url, port, CHAOS_ENV)
    await process.start_async()
    timeout = aiohttp.ClientTimeout(total=10)
    try:
        async with aiohttp.ClientSession(timeout=timeout) as http:
            batches = [list(range(n, min(n + 4, customers))) for n in range(0, customers, 4)]
            kill_in = {len(batches) * (i + 1) // (kills + 1) for i in range(kills)}
            outage_in = len(batches) // 2 if cut_database else -1
            for b, batch in enumerate(batches):
                chaos = []  # strikes while the batch's messages are in flight
                if b in kill_in:
                    chaos.append(_kill_and_restart(process, after=0.05))
                if b == outage_in and cut_database is not None:
                    chaos.append(_outage(cut_database, after=0.05, seconds=2.0))
                await asyncio.gather(*(_customer(http, process, n, tally) for n in batch), *chaos)
            await _count_answers(http, process, tally)
    finally:
        process.kill()
    tally.stranded = await _stranded(database_url)
    return tally


async def _kill_and_restart(process: ServerProcess, after: float) -> None:
    await asyncio.sleep(after)
    process.kill()
    await process.start_async()


async def _outage(cut_database: Callable[[bool], None], after: float, seconds: float) -> None:
    await asyncio.sleep(after)
    cut_database(True)
    await asyncio.sleep(seconds)
    cut_database(False)


async def _count_answers(http: aiohttp.ClientSession, process: ServerProcess, tally: Tally) -> None:
    """Wait (up to a minute) for every accepted message's answer; then look again for doubles."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        tally.answers = await bot_answers(process.database_url, list(tally.answers))
        if all(count >= 1 for count in tally.answers.values()):
            break
        await asyncio.sleep(0.5)
    await asyncio.sleep(2)  # a second answer, if any, would be written by now
    tally.answers = await bot_answers(process.database_url, list(tally.answers))
    tally.lost = sum(1 for count in tally.answers.values() if count == 0)
    repeated = await bot_answers(process.database_url, list(tally.answers), repeats=True)
    tally.doubled = sum(1 for n in repeated.values() if n > 0)


async def bot_answers(
    database_url: str, sessions: list[str], *, repeats: bool = False
) -> dict[str, int]:
    """How many bot messages each web-chat session (its address) has received; ``repeats``:
    how many of them repeat an earlier one word for word."""
    counted = "count(m.id) - count(DISTINCT m.text)" if repeats else "count(m.id)"
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(
                text(
                    f"SELECT c.address, {counted} FROM conversations c "
                    "LEFT JOIN messages m ON m.conversation_id = c.id AND m.sender = 'bot' "
                    "WHERE c.channel = 'web' GROUP BY c.address"
                )
            )
            counts = {str(address): int(n) for address, n in rows}
    finally:
        await engine.dispose()
    return {session: counts.get(session, 0) for session in sessions}


async def _stranded(database_url: str) -> int:
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as conn:
            found = await conn.execute(
                text(
                    "SELECT count(*) FROM messages "
                    "WHERE direction = 'inbound' AND processed_at IS NULL"
                )
            )
            return int(found.scalar_one())
    finally:
        await engine.dispose()
