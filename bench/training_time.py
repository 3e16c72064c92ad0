"""How long training a model version takes, and where: ``train`` on the shipped data into a
fresh registry (fits, evaluation, the gate's figures), ``store`` (the skops artifact) and a
``load`` of the stored version, each timed; with the load average beside them.

    .venv/bin/python bench/training_time.py
"""

from __future__ import annotations

import os
import tempfile
import time

from classifier.catalog import load_catalog
from classifier.registry import ModelRegistry
from classifier.training import train


def main() -> None:
    before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as root:
        registry = ModelRegistry(root)
        original_store = registry.store
        stored: list[float] = []

        def timed_store(*args: object, **kwargs: object):  # type: ignore[no-untyped-def]
            start = time.perf_counter()
            record = original_store(*args, **kwargs)  # type: ignore[arg-type]
            stored.append(time.perf_counter() - start)
            return record

        registry.store = timed_store  # type: ignore[method-assign]
        cpu, wall = time.process_time(), time.perf_counter()
        result = train([], registry)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        start = time.perf_counter()
        registry.load(result.record.version, load_catalog())
        load = time.perf_counter() - start
        size = os.path.getsize(os.path.join(root, "versions", result.record.version, "model.skops"))
    print(
        f"train: {wall:.1f} s wall, {cpu:.1f} s CPU ({result.record.n_training_rows} rows), "
        f"of which store: {stored[0]:.1f} s; load: {load:.2f} s; artifact {size / 1e6:.1f} MB; "
        f"load average {before:.1f} -> {os.getloadavg()[0]:.1f}"
    )


if __name__ == "__main__":
    main()
