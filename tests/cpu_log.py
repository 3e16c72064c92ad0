"""Where the test suite's CPU goes: with ``FRONTDESK_TEST_CPU_LOG=DIR`` each pytest process
writes one line per test to ``DIR/<worker>.tsv``: CPU seconds of the test process itself and of
the processes it started and waited for (servers, Chromium, training children), and the wall
time. PostgreSQL's own processes are not counted.

    FRONTDESK_TEST_CPU_LOG=/tmp/cpu make test
    sort -t$'\\t' -k2 -rn /tmp/cpu/*.tsv | head -40
"""

from __future__ import annotations

import os
import resource
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ENV = "FRONTDESK_TEST_CPU_LOG"


def _cpu() -> tuple[float, float]:
    me = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime, children.ru_utime + children.ru_stime


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Iterator[None]:
    folder = os.environ.get(ENV)
    if not folder:
        yield
        return
    (own0, kids0), wall0 = _cpu(), time.perf_counter()
    yield
    (own1, kids1), wall1 = _cpu(), time.perf_counter()
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    Path(folder).mkdir(parents=True, exist_ok=True)
    with open(Path(folder) / f"{worker}.tsv", "a", encoding="utf-8") as fh:
        fh.write(
            f"{item.nodeid}\t{own1 - own0 + kids1 - kids0:.3f}\t{own1 - own0:.3f}\t"
            f"{kids1 - kids0:.3f}\t{wall1 - wall0:.3f}\n"
        )
