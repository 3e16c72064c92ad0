"""CPU per first message in one process, the hot statements sent directly (store/direct.py) or
through SQLAlchemy's execution, in alternating rounds of the same run (so a shared machine's
load weighs on both alike).

Each round accepts ``--burst`` first messages from new customers at once (as the engine gets
them from a channel), waits until all are processed (classified, ticket opened, reply stored),
and divides the process's CPU time (every thread: the classifier's too) by the messages.

    .venv/bin/python bench/message_cpu.py [--rounds 6] [--burst 32] [--database-url URL] \
        [--only direct|sqlalchemy]   # one way only, e.g. under py-spy record
"""

from __future__ import annotations

import argparse
import asyncio
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
    url: str, rounds: int, burst: int, data_dir: str, modes: tuple[bool, ...]
) -> None:
    settings = load_settings(
        environ={}, database_url=url, data_dir=data_dir,
        spike_check_interval_s=0, escalation_interval_s=0, max_backlog=0, max_write_queue=0,
    )  # fmt: skip
    serial = itertools.count()
    cpu: dict[bool, list[float]] = {True: [], False: []}
    statements: dict[bool, list[int]] = {True: [], False: []}
    async with running(settings) as fd:
        await one_round(fd, burst, serial)  # warm-up: first compilations, model loaded
        for _ in range(rounds):
            for direct in modes:
                fd.store.direct = direct
                before = fd.store.statements
                cpu[direct].append(await one_round(fd, burst, serial))
                statements[direct].append(fd.store.statements - before)
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"database: {url.split(':')[0]}  {rounds} rounds of {burst} first messages each way; "
          f"load average {load}")  # fmt: skip
    for direct, name in ((False, "through SQLAlchemy"), (True, "sent directly")):
        values = cpu[direct]
        if not values:
            continue
        per = statistics.median(statements[direct]) / burst
        middle = statistics.median(values)
        print(f"{name:20s} CPU ms/message: median {middle:.2f} "
              f"(min {min(values):.2f}, max {max(values):.2f}); "
              f"statements/message {per:.1f}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--burst", type=int, default=32)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--only", choices=("direct", "sqlalchemy"), help="one way (profiling)")
    args = parser.parse_args()
    if not (1 <= args.rounds <= 100 and 1 <= args.burst <= 1000):
        raise SystemExit("--rounds must be 1..100, --burst 1..1000")
    data_dir = tempfile.mkdtemp(prefix="fd-message-cpu-")
    url = args.database_url or f"sqlite+aiosqlite:///{data_dir}/bench.db"
    modes = {None: (False, True), "direct": (True,), "sqlalchemy": (False,)}[args.only]
    asyncio.run(measure(url, args.rounds, args.burst, data_dir, modes))


if __name__ == "__main__":
    main()
