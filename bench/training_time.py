"""How long training a model version takes, and where: ``train`` on the shipped data into a
fresh registry (fits, evaluation, the gate's figures), ``store`` (the skops artifact) and a
``load`` of the stored version, each timed; with the load average beside them.

    .venv/bin/python bench/training_time.py [--retrain]

``--retrain`` then trains again with one agent's correction against the version just trained
(what the Models page does after agents relabel a ticket): the candidate's fits, the gate's
figures for the active version, the store.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time

from classifier.catalog import load_catalog
from classifier.registry import ModelRegistry
from classifier.training import train

CORRECTIONS = {
    # split_held_out puts one text in five in the held-out rows, by a hash of the text
    "outside the held-out rows": ("my thingamajig wont thingamajig", "app_crash"),
    "inside the held-out rows": ("the thingamajig page is blank for everyone", "system_downtime"),
}


def main() -> None:
    retrain = "--retrain" in sys.argv[1:]
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
        for where, correction in CORRECTIONS.items() if retrain else ():
            registry.activate(result.record.version)  # each against the first version
            cpu2, wall2 = time.process_time(), time.perf_counter()
            again = train([correction], registry)
            wall2, cpu2 = time.perf_counter() - wall2, time.process_time() - cpu2
            print(
                f"retrain with one correction {where}: {wall2:.1f} s wall, {cpu2:.1f} s CPU "
                f"({again.reason})"
            )
    print(
        f"train: {wall:.1f} s wall, {cpu:.1f} s CPU ({result.record.n_training_rows} rows), "
        f"of which store: {stored[0]:.1f} s; load: {load:.2f} s; artifact {size / 1e6:.1f} MB; "
        f"load average {before:.1f} -> {os.getloadavg()[0]:.1f}"
    )
    words = result.record.metrics["customers_words"]
    print(
        "the version's customers' words: "
        + ", ".join(f"{k} {words[k]}" for k in ("top1", "confident_wrong_rate", "ece"))
    )


if __name__ == "__main__":
    main()
