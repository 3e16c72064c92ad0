"""The suite's own scheduling (``conftest.spread_long_tests``): every test still runs once, and
the long ones are spread over the workers' first shares instead of piling up in one."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from .conftest import spread_long_tests


class _Item:
    def __init__(self, n: int, long: bool) -> None:
        self.n, self.long = n, long

    def get_closest_marker(self, name: str) -> Any:
        return SimpleNamespace(args=(600,)) if self.long and name == "timeout" else None


@pytest.mark.parametrize(("count", "workers"), [(1000, 3), (10, 3), (2, 3), (7, 2)])
def test_the_long_tests_are_dealt_to_every_worker_and_nothing_is_lost(
    count: int, workers: int
) -> None:
    items = [_Item(n, long=n % 9 == 4 or n >= count - 2) for n in range(count)]
    ordered: list[Any] = spread_long_tests(items, workers)  # type: ignore[arg-type]
    assert sorted(item.n for item in ordered) == list(range(count))
    shares, start = [], 0
    for remaining in range(workers, 0, -1):
        size = (count - start) // remaining
        shares.append(ordered[start : start + size])
        start += size
    long = [sum(item.long for item in share) for share in shares]
    assert max(long) - min(long) <= 1, long
