"""Predictions and confusion matrix of the shipped default model on the test-suite messages.

    .venv/bin/python bench/classifier_default_report.py > /tmp/report.md

Prints Markdown (pasted into docs/classifier.md): thresholds, the 13 required messages, and the
confusion matrix on tests/classifier/heldout_messages.csv (written for the tests, not trained on).
"""

from __future__ import annotations

import csv
import sys
import time
from collections import Counter
from pathlib import Path

from classifier.model import train_default_classifier

REPO = Path(__file__).resolve().parent.parent


def main() -> None:
    sys.path.insert(0, str(REPO))
    import tests.classifier.test_model as suite

    started = time.perf_counter()
    clf = train_default_classifier()
    print(
        f"Trained in {time.perf_counter() - started:.1f} s; thresholds: "
        f"unknown {clf.thresholds.unknown:.3f}, ask {clf.thresholds.ask:.3f}\n"
    )
    print("| message | intent | type | priority | confidence | next best |")
    print("|---|---|---|---|---|---|")
    for text, *_ in suite.REQUIRED:
        p = clf.classify(text)
        alt = f"{p.alternatives[0][0]} {p.alternatives[0][1]:.3f}" if p.alternatives else ""
        print(f"| {text} | {p.intent} | {p.type} | {p.priority} | {p.confidence:.3f} | {alt} |")
    with open(REPO / "tests/classifier/heldout_messages.csv", newline="") as fh:
        rows = [(r["text"], r["intent"]) for r in csv.DictReader(fh)]
    predictions = clf.classify_many([t for t, _ in rows])
    pairs = Counter((label, p.intent) for (_, label), p in zip(rows, predictions, strict=True))
    labels = sorted({label for _, label in rows} | {p.intent for p in predictions})
    hits = sum(n for (a, b), n in pairs.items() if a == b)
    print(f"\nHeld-out test messages: {hits}/{len(rows)} right ({hits / len(rows):.1%}).\n")
    short = {label: label[:8] for label in labels}
    print("| true \\ predicted | " + " | ".join(short[x] for x in labels) + " |")
    print("|---|" + "---|" * len(labels))
    for a in labels:
        print(f"| {a} | " + " | ".join(str(pairs.get((a, b), "")) for b in labels) + " |")
    wrong = [
        (t, label, p.intent)
        for (t, label), p in zip(rows, predictions, strict=True)
        if p.intent != label
    ]
    if wrong:
        print("\nMisclassified:\n")
        for text, label, got in wrong:
            print(f'- "{text}": {label} -> {got}')


if __name__ == "__main__":
    main()
