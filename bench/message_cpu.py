"""CPU per first message in one process, the hot statements sent directly (store/direct.py) or
through SQLAlchemy's execution, in alternating rounds of the same run (so a shared machine's
load weighs on both alike).

Each round accepts ``--burst`` first messages from new customers at once (as the engine gets
them from a channel), waits until all are processed (classified, ticket opened, reply stored),
and divides the process's CPU time (every thread: the classifier's too) by the messages.

    .venv/bin/python bench/message_cpu.py [--rounds 6] [--burst 32] [--database-url URL] \
        [--only direct|sqlalchemy]   # one way only, e.g. under py-spy record
    .venv/bin/python bench/message_cpu.py --only direct --database-url URL --beside-sqlite
        # PostgreSQL and SQLite desks in this one process, their rounds alternating: the ratio
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import os
import statistics
import tempfile
import time

from bot.app import Frontdesk, running
from bot.ports import InboundEvent
from bot.settings import load_settings
from models import ChannelKind

TEXT = "Card payments fail at checkout for all our customers"


async def one_round(fd: Frontdesk, burst: int, serial: itertools.count[int]) -> float:
    """CPU ms per message over ``burst`` first messages."""
    start_processed = fd.engine.processed
    start = time.process_time()
    numbers = [next(serial) for _ in range(burst)]
    await asyncio.gather(*(
        fd.engine.accept(InboundEvent(
            ChannelKind.TELEGRAM, f"update:{i}", f"user{i}", f"chat{i}", text=TEXT,
        ))
        for i in numbers
    ))  # fmt: skip
    while fd.engine.processed < start_processed + burst:  # noqa: ASYNC110 - polls a counter
        await asyncio.sleep(0.002)
    return (time.process_time() - start) * 1000 / burst


async def measure(
    urls: list[str], rounds: int, burst: int, data_dir: str, modes: tuple[bool, ...]
) -> None:
    """Rounds alternate between the databases of ``urls`` (a desk open on each, in this one
    process) and between ``modes`` (sent directly or not), so that all see the same machine."""
    serial = itertools.count()
    cpu: dict[tuple[str, bool], list[float]] = {}
    statements: dict[tuple[str, bool], list[int]] = {}
    async with contextlib.AsyncExitStack() as stack:
        desks = []
        for i, url in enumerate(urls):
            settings = load_settings(
                environ={}, database_url=url, data_dir=os.path.join(data_dir, str(i)),
                spike_check_interval_s=0, escalation_interval_s=0, max_backlog=0,
                max_write_queue=0,
            )  # fmt: skip
            fd = await stack.enter_async_context(running(settings))
            await one_round(fd, burst, serial)  # warm-up: first compilations, model loaded
            desks.append((url, fd))
        for _ in range(rounds):
            for url, fd in desks:
                for direct in modes:
                    fd.store.direct = direct
                    before = fd.store.statements
                    cpu.setdefault((url, direct), []).append(await one_round(fd, burst, serial))
                    statements.setdefault((url, direct), []).append(fd.store.statements - before)
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"{rounds} rounds of {burst} first messages each way; load average {load}")
    medians: dict[str, float] = {}
    for url in urls:
        for direct, name in ((False, "through SQLAlchemy"), (True, "sent directly")):
            values = cpu.get((url, direct))
            if not values:
                continue
            per = statistics.median(statements[url, direct]) / burst
            middle = statistics.median(values)
            medians[url] = middle  # the last way: sent directly when both are run
            print(f"{url.split(':')[0]:20s} {name:20s} CPU ms/message: median {middle:.2f} "
                  f"(min {min(values):.2f}, max {max(values):.2f}); "
                  f"statements/message {per:.1f}")  # fmt: skip
    if len(urls) == 2:
        first, second = (medians[u] for u in urls)
        way = "sent directly" if modes[-1] else "through SQLAlchemy"
        print(f"{urls[0].split(':')[0]} / {urls[1].split(':')[0]}: {first / second:.2f}x "
              f"(medians of the rounds, {way})")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--burst", type=int, default=32)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--only", choices=("direct", "sqlalchemy"), help="one way (profiling)")
    parser.add_argument(
        "--beside-sqlite",
        action="store_true",
        help="a SQLite desk beside --database-url's, rounds alternating (the ratio of the two)",
    )
    args = parser.parse_args()
    if not (1 <= args.rounds <= 100 and 1 <= args.burst <= 1000):
        raise SystemExit("--rounds must be 1..100, --burst 1..1000")
    data_dir = tempfile.mkdtemp(prefix="fd-message-cpu-")
    sqlite = f"sqlite+aiosqlite:///{data_dir}/bench.db"
    urls = [args.database_url or sqlite]
    if args.beside_sqlite and args.database_url:
        urls.append(sqlite)
    modes = {None: (False, True), "direct": (True,), "sqlalchemy": (False,)}[args.only]
    asyncio.run(measure(urls, args.rounds, args.burst, data_dir, modes))


if __name__ == "__main__":
    main()
