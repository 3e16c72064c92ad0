"""Benchmark: the agent's ticket search (`GET /api/agent/tickets?q=`'s query) over 100,000
tickets with 300,000 messages, on SQLite (FTS5) and on PostgreSQL (GIN over to_tsvector).

Texts are real customer questions from the banking77 dataset (read from ../shared/datasets, never
copied into the project): each ticket gets one as its description and two more as messages;
1,000 customers have a name and an email. Rows are bulk-inserted (the schema and the search
indexes come from `frontdesk db upgrade`; SQLite's triggers fill the FTS table as rows arrive).
Each query runs what the API runs (search, then the listing of the hits with their tags), in
one read, best of several runs and the median reported. The issue's bar: < 100 ms.

    .venv/bin/python bench/search_100k.py [--tickets N] [--backend sqlite|postgres|both] [--runs 20]
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

FRONTDESK = str(Path(sys.executable).parent / "frontdesk")
PG_URL = os.environ.get("FRONTDESK_BENCH_POSTGRES_URL", "postgresql://root@127.0.0.1:5432/test")
REPO = Path(__file__).resolve().parent.parent
DATASETS = Path(os.environ.get("FRONTDESK_DATASETS", REPO / ".." / "shared" / "datasets"))
DATASET = DATASETS / "banking77" / "train.csv"
CUSTOMERS = 1000
QUERIES = [
    ("a rare word (1 ticket)", "pelican-weekly-3"),
    ("a common word", "card"),
    ("two words", "card arrived"),
    ("a customer's email", "customer517@example.com"),
    ("a ticket ID", "FD-51000"),
    ("no match", "kangaroo"),
]


def texts() -> list[str]:
    with DATASET.open(newline="", encoding="utf-8") as f:
        return [row["text"] for row in csv.DictReader(f)]


def rows(n: int, now: datetime) -> tuple[list[tuple[object, ...]], ...]:
    rng = random.Random(12)
    pool = texts()
    customers = [
        (c, "web", f"bench-{c}", f"Customer {c}", f"customer{c}@example.com", "en", now)
        for c in range(1, CUSTOMERS + 1)
    ]
    conversations, tickets, messages = [], [], []
    for i in range(1, n + 1):
        created = now - timedelta(seconds=rng.random() * 90 * 86400)
        customer = rng.randint(1, CUSTOMERS)
        status = rng.choice(["new", "in_progress", "resolved", "closed"])
        conversations.append((i, "web", customer, f"bench-{i}", "closed", 3, created, created))
        tickets.append(
            (i, i, customer, "web", rng.choice(pool), "incident", "medium", "card_arrival", 0.9,
             status, "support", created, created + timedelta(hours=4), created + timedelta(days=1),
             created)
        )  # fmt: skip
        for seq in (1, 2, 3):
            text = rng.choice(pool)
            if i == n // 2 and seq == 2:
                text = "The report that is missing is called pelican-weekly-3."
            sender = "customer" if seq != 2 else "agent"
            direction = "inbound" if sender == "customer" else "outbound"
            when = created + timedelta(minutes=seq)
            messages.append((i, seq, "web", direction, sender, text, False, i, when))
    return customers, conversations, tickets, messages


CUSTOMER_COLS = ["id", "channel", "external_id", "display_name", "email", "language", "created_at"]
CONVERSATION_COLS = ["id", "channel", "customer_id", "address", "state", "last_seq", "created_at",
                     "updated_at"]  # fmt: skip
TICKET_COLS = ["id", "conversation_id", "customer_id", "channel", "description", "type",
               "priority", "intent", "confidence", "status", "team", "created_at",
               "first_response_due", "resolution_due", "updated_at"]  # fmt: skip
MESSAGE_COLS = ["conversation_id", "seq", "channel", "direction", "sender", "text", "internal",
                "ticket_id", "created_at"]  # fmt: skip


def frontdesk(*args: str) -> None:
    subprocess.run([FRONTDESK, *args], capture_output=True, text=True, check=True)


def sqlite_value(value: object) -> object:
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    return int(value) if isinstance(value, bool) else value


def fill_sqlite(path: Path, data: tuple[list[tuple[object, ...]], ...]) -> None:
    db = sqlite3.connect(path)
    db.execute("PRAGMA synchronous=OFF")
    db.execute("BEGIN")
    extra = {"customers": ", email_verified", "tickets": ", auto_fulfilled, escalated, "
             "resolution_count"}  # fmt: skip
    fixed = {"customers": ", 0", "tickets": ", 0, 0, 0"}
    for table, cols, values in zip(
        ("customers", "conversations", "tickets", "messages"),
        (CUSTOMER_COLS, CONVERSATION_COLS, TICKET_COLS, MESSAGE_COLS),
        data,
        strict=True,
    ):
        db.executemany(
            f"INSERT INTO {table} ({', '.join(cols)}{extra.get(table, '')}) "
            f"VALUES ({', '.join('?' for _ in cols)}{fixed.get(table, '')})",
            [tuple(sqlite_value(v) for v in row) for row in values],
        )
    db.execute("COMMIT")
    db.execute("ANALYZE")
    db.close()


async def fill_postgres(url: str, data: tuple[list[tuple[object, ...]], ...]) -> None:
    import asyncpg  # type: ignore[import-untyped]

    conn = await asyncpg.connect(url.replace("+asyncpg", ""))
    try:
        customers = [(*row, False) for row in data[0]]
        await conn.copy_records_to_table(
            "customers", records=customers, columns=[*CUSTOMER_COLS, "email_verified"]
        )
        tickets = [(*row, False, False, 0) for row in data[2]]
        for table, cols, values in (
            ("conversations", CONVERSATION_COLS, data[1]),
            ("tickets", [*TICKET_COLS, "auto_fulfilled", "escalated", "resolution_count"], tickets),
            ("messages", MESSAGE_COLS, data[3]),
        ):
            await conn.copy_records_to_table(table, records=values, columns=cols)
        await conn.execute("VACUUM ANALYZE")
    finally:
        await conn.close()


async def time_queries(url: str, runs: int, label: str) -> None:
    from handoff.ticket_listing import list_tickets
    from models import TicketFilter
    from store.database import Store

    async with Store(url) as store:
        for what, query in QUERIES:
            took, found = [], 0
            for _ in range(runs):
                start = time.perf_counter()
                hits = await store.read(
                    lambda uow, q=query: list_tickets(uow, TicketFilter(limit=50), q)
                )
                took.append((time.perf_counter() - start) * 1000)
                found = len(hits)
            print(
                f"{label}: {what} {query!r}: {found} hits, best {min(took):.1f} ms, "
                f"median {statistics.median(took):.1f} ms over {runs} runs",
                flush=True,
            )


async def pg_admin(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_URL.replace("+asyncpg", ""))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    data = rows(args.tickets, datetime.now(UTC))
    if args.backend in ("sqlite", "both"):
        with tempfile.TemporaryDirectory(prefix="fd-bench-") as tmp:
            path = Path(tmp) / "search.db"
            url = f"sqlite+aiosqlite:///{path}"
            frontdesk("db", "upgrade", "--database-url", url)
            start = time.perf_counter()
            fill_sqlite(path, data)
            print(
                f"sqlite: {args.tickets:,} tickets inserted in {time.perf_counter() - start:.1f} s"
            )
            asyncio.run(time_queries(url, args.runs, "sqlite"))
    if args.backend in ("postgres", "both"):
        name = f"fd_bench_{uuid.uuid4().hex[:10]}"
        asyncio.run(pg_admin(f'CREATE DATABASE "{name}"'))
        try:
            base, _, _ = PG_URL.rpartition("/")
            url = f"{base}/{name}".replace("postgresql://", "postgresql+asyncpg://")
            frontdesk("db", "upgrade", "--database-url", url)
            start = time.perf_counter()
            asyncio.run(fill_postgres(url, data))
            took = time.perf_counter() - start
            print(f"postgres: {args.tickets:,} tickets inserted in {took:.1f} s")
            asyncio.run(time_queries(url, args.runs, "postgres"))
        finally:
            asyncio.run(pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


if __name__ == "__main__":
    main()
