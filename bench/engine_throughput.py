"""The engine and the store alone, in one process: N customers' first messages accepted at once
(stored durably), then processed (classified, ticket opened, reply and outbox row stored).
Prints messages/s for each phase, SQL statements per message, and the writes each of the store's
group commits carried in each phase.

    .venv/bin/python bench/engine_throughput.py [--messages 1000] [--database-url URL] \
        [--data-dir DIR]   # a DIR kept between runs keeps its trained model
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import tempfile
import time
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine as SyncEngine

from bot.app import running
from bot.ports import InboundEvent
from bot.settings import load_settings
from models import ChannelKind


async def measure(url: str, n: int, data_dir: str) -> None:
    statements = 0

    def count(*_: Any) -> None:
        nonlocal statements
        statements += 1

    settings = load_settings(
        environ={}, database_url=url, data_dir=data_dir,
        spike_check_interval_s=0, escalation_interval_s=0,
        max_backlog=0, max_write_queue=0,  # the whole burst at once: the engine, not admission
    )  # fmt: skip
    async with running(settings) as fd:
        event.listen(SyncEngine, "after_cursor_execute", count)
        commits = [fd.store.commits]
        start = time.perf_counter()
        await asyncio.gather(*(
            fd.engine.accept(InboundEvent(
                ChannelKind.TELEGRAM, f"update:{i}", f"user{i}", f"chat{i}",
                text="Card payments fail at checkout for all our customers",
            ))
            for i in range(n)
        ))  # fmt: skip
        accepted = time.perf_counter()
        commits.append(fd.store.commits)
        while fd.engine.processed < n:  # noqa: ASYNC110 - a benchmark polls a counter
            await asyncio.sleep(0.005)
        done = time.perf_counter()
        commits.append(fd.store.commits)
        event.remove(SyncEngine, "after_cursor_execute", count)
    print(f"database: {url.split(':')[0]}  messages: {n}")
    print(f"accepted: {n / (accepted - start):.0f} messages/s  "
          f"processed: {n / (done - accepted):.0f} messages/s  "
          f"SQL statements per message: {statements / n:.1f}")  # fmt: skip
    phases = zip(("accepting", "processing"), itertools.pairwise(commits), strict=True)
    for phase, (before, after) in phases:
        batches, jobs = after[0] - before[0], after[1] - before[1]
        print(f"{phase}: {jobs} writes in {batches} commits, {jobs / max(1, batches):.1f} each")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--data-dir", default="")
    args = parser.parse_args()
    if not 1 <= args.messages <= 100_000:
        raise SystemExit("--messages must be 1..100000")
    data_dir = args.data_dir or tempfile.mkdtemp(prefix="fd-engine-bench-")
    url = args.database_url or f"sqlite+aiosqlite:///{tempfile.mkdtemp()}/bench.db"
    asyncio.run(measure(url, args.messages, data_dir))


if __name__ == "__main__":
    main()
