"""Benchmark: `frontdesk report --json` over 1,000,000 tickets, on SQLite and on PostgreSQL.

Creates the data itself with bulk inserts (sqlite3 executemany / asyncpg COPY), not through the
engine: this measures the report, not the write path. The schema comes from `frontdesk db
upgrade`, so the indexes are the real ones. Prints one line per run; the issue's bar is < 5 s.

    .venv/bin/python bench/report_1m.py [--tickets N] [--backend sqlite|postgres|both] [--runs 3]

PostgreSQL: a scratch database is created next to FRONTDESK_BENCH_POSTGRES_URL (default
postgresql://root@127.0.0.1:5432/test) and dropped afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

FRONTDESK = str(Path(sys.executable).parent / "frontdesk")
PG_URL = os.environ.get("FRONTDESK_BENCH_POSTGRES_URL", "postgresql://root@127.0.0.1:5432/test")
TICKET_COLUMNS = [
    "id",
    "conversation_id",
    "customer_id",
    "channel",
    "description",
    "type",
    "priority",
    "intent",
    "confidence",
    "status",
    "assignee_id",
    "team",
    "resolution",
    "auto_fulfilled",
    "escalated",
    "problem_id",
    "resolution_count",
    "created_at",
    "first_response_at",
    "resolved_at",
    "closed_at",
    "first_response_due",
    "resolution_due",
    "updated_at",
]
SLA = {"urgent": (900, 4 * 3600), "high": (3600, 8 * 3600), "medium": (4 * 3600, 86400)}
SLA["low"] = (8 * 3600, 72 * 3600)
AGENTS = 10


def generate(n: int, now: datetime) -> Iterator[tuple[tuple[object, ...], list[int], bool]]:
    """(ticket row, CSAT scores, reopened?) for n tickets created over the last 29 days."""
    rng = random.Random(7)
    span = 29 * 86400
    intents = ["login_failure", "payment_error", "app_crash", "password_reset", "billing"]
    for i in range(1, n + 1):
        created = now - timedelta(seconds=rng.random() * span)
        priority = rng.choices(["low", "medium", "high", "urgent"], [4, 4, 2, 1])[0]
        type_ = rng.choices(["incident", "service_request", "change_request"], [6, 3, 1])[0]
        fr = created + timedelta(seconds=rng.expovariate(1 / 1800))
        resolved = rng.random() < 0.85
        auto = resolved and type_ == "service_request" and rng.random() < 0.6
        reopened = resolved and rng.random() < 0.03
        res_at = created + timedelta(seconds=rng.expovariate(1 / 28800)) if resolved else None
        if res_at is not None and res_at < fr:
            fr = res_at
        due_fr, due_res = SLA[priority]
        agent = None if auto or rng.random() < 0.1 else rng.randint(1, AGENTS)
        row = (
            i, 1, 1, rng.choice(["web", "web", "telegram", "discord"]), "bench ticket", type_,
            priority, rng.choice(intents), 0.9, "resolved" if resolved else "in_progress",
            agent, rng.choice(["support", "billing", "tech"]), "done" if resolved else None,
            auto, rng.random() < 0.05, None, (2 if reopened else 1) if resolved else 0, created,
            fr, res_at, None, created + timedelta(seconds=due_fr),
            created + timedelta(seconds=due_res), res_at or created,
        )  # fmt: skip
        scores = [rng.choice([1, 2, 3, 4, 4, 5, 5, 5])] if resolved and rng.random() < 0.3 else []
        yield row, scores, reopened


def sqlite_text(value: object) -> object:
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, bool):
        return int(value)
    return value


def frontdesk(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([FRONTDESK, *args], capture_output=True, text=True, check=True)


def fill_sqlite(path: Path, n: int, now: datetime) -> None:
    db = sqlite3.connect(path)
    db.execute("PRAGMA synchronous=OFF")
    stamp = sqlite_text(now)
    db.execute("BEGIN")
    db.execute(
        "INSERT INTO customers (id, channel, external_id, display_name, email_verified, "
        "language, created_at) VALUES (1, 'web', 'bench', 'Bench', 0, 'en', ?)",
        (stamp,),
    )
    db.execute(
        "INSERT INTO conversations (id, channel, customer_id, address, state, last_seq, "
        "created_at, updated_at) VALUES (1, 'web', 1, 'bench', 'closed', 0, ?, ?)",
        (stamp, stamp),
    )
    db.executemany(
        "INSERT INTO agents (id, email, name, role, password_hash, skills, teams, capacity, "
        "active, online, created_at) VALUES (?, ?, ?, 'agent', 'x', '[]', '[]', 5, 1, 0, ?)",
        [(a, f"agent{a}@example.com", f"Agent {a}", stamp) for a in range(1, AGENTS + 1)],
    )
    tickets, csat, events = [], [], []
    insert = (
        f"INSERT INTO tickets ({', '.join(TICKET_COLUMNS)}) "
        f"VALUES ({', '.join('?' for _ in TICKET_COLUMNS)})"
    )
    for row, scores, reopened in generate(n, now):
        tickets.append(tuple(sqlite_text(v) for v in row))
        csat += [(row[0], 1, s, sqlite_text(row[19])) for s in scores]
        if reopened:
            events.append((row[0], "customer", "status:reopen", sqlite_text(row[19])))
        if len(tickets) >= 50_000:
            db.executemany(insert, tickets)
            tickets.clear()
    db.executemany(insert, tickets)
    db.executemany(
        "INSERT INTO csat_responses (ticket_id, resolution_round, score, created_at) "
        "VALUES (?, ?, ?, ?)",
        csat,
    )
    db.executemany(
        "INSERT INTO ticket_events (ticket_id, actor, kind, created_at) VALUES (?, ?, ?, ?)",
        events,
    )
    db.execute("COMMIT")
    db.execute("ANALYZE")
    db.close()


async def fill_postgres(url: str, n: int, now: datetime) -> None:
    import asyncpg  # type: ignore[import-untyped]

    conn = await asyncpg.connect(url.replace("+asyncpg", ""))
    try:
        await conn.execute(
            "INSERT INTO customers (id, channel, external_id, display_name, email_verified, "
            "language, created_at) VALUES (1, 'web', 'bench', 'Bench', false, 'en', $1)",
            now,
        )
        await conn.execute(
            "INSERT INTO conversations (id, channel, customer_id, address, state, last_seq, "
            "created_at, updated_at) VALUES (1, 'web', 1, 'bench', 'closed', 0, $1, $1)",
            now,
        )
        await conn.executemany(
            "INSERT INTO agents (id, email, name, role, password_hash, skills, teams, capacity, "
            "active, online, created_at) VALUES ($1, $2, $3, 'agent', 'x', '[]', '[]', 5, true, "
            "false, $4)",
            [(a, f"agent{a}@example.com", f"Agent {a}", now) for a in range(1, AGENTS + 1)],
        )
        tickets, csat, events = [], [], []
        for row, scores, reopened in generate(n, now):
            tickets.append(row)
            csat += [(row[0], 1, s, row[19]) for s in scores]
            if reopened:
                events.append((row[0], "customer", "status:reopen", row[19]))
            if len(tickets) >= 100_000:
                await conn.copy_records_to_table("tickets", records=tickets, columns=TICKET_COLUMNS)
                tickets.clear()
        await conn.copy_records_to_table("tickets", records=tickets, columns=TICKET_COLUMNS)
        await conn.copy_records_to_table(
            "csat_responses",
            records=csat,
            columns=["ticket_id", "resolution_round", "score", "created_at"],
        )
        await conn.copy_records_to_table(
            "ticket_events", records=events, columns=["ticket_id", "actor", "kind", "created_at"]
        )
        await conn.execute("SELECT setval(pg_get_serial_sequence('tickets', 'id'), $1)", n)
        await conn.execute("VACUUM ANALYZE")
    finally:
        await conn.close()


def time_reports(url: str, runs: int, label: str) -> list[float]:
    figures = []
    for args in (["--json"], ["--by", "agent", "--json"]):
        took = []
        for _ in range(runs):
            start = time.perf_counter()
            frontdesk("report", *args, "--database-url", url)
            took.append(time.perf_counter() - start)
        what = " ".join(["frontdesk report", *args])
        print(
            f"{label}: `{what}` best {min(took):.2f} s, median {statistics.median(took):.2f} s "
            f"over {runs} runs",
            flush=True,
        )
        figures += took
    return figures


async def pg_admin(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_URL.replace("+asyncpg", ""))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def bench_sqlite(n: int, runs: int, now: datetime) -> None:
    with tempfile.TemporaryDirectory(prefix="fd-bench-") as tmp:
        path = Path(tmp) / "report.db"
        url = f"sqlite+aiosqlite:///{path}"
        frontdesk("db", "upgrade", "--database-url", url)
        start = time.perf_counter()
        fill_sqlite(path, n, now)
        print(f"sqlite: {n:,} tickets inserted in {time.perf_counter() - start:.1f} s", flush=True)
        time_reports(url, runs, "sqlite")


def bench_postgres(n: int, runs: int, now: datetime) -> None:
    name = f"fd_bench_{uuid.uuid4().hex[:10]}"
    asyncio.run(pg_admin(f'CREATE DATABASE "{name}"'))
    try:
        base, _, _ = PG_URL.rpartition("/")
        url = f"{base}/{name}".replace("postgresql://", "postgresql+asyncpg://")
        frontdesk("db", "upgrade", "--database-url", url)
        start = time.perf_counter()
        asyncio.run(fill_postgres(url, n, now))
        print(f"postgres: {n:,} tickets inserted in {time.perf_counter() - start:.1f} s")
        time_reports(url, runs, "postgres")
    finally:
        asyncio.run(pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    now = datetime.now(UTC)
    if args.backend in ("sqlite", "both"):
        bench_sqlite(args.tickets, args.runs, now)
    if args.backend in ("postgres", "both"):
        bench_postgres(args.tickets, args.runs, now)


if __name__ == "__main__":
    main()
