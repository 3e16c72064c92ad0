"""BANKING77 benchmark of the production classifier pipeline (issue #3 targets).

    .venv/bin/python bench/classifier_banking77.py                 # closed-set + unknown-intent run
    .venv/bin/python bench/classifier_banking77.py --embeddings    # same with MiniLM (extra needed)

The data set is read from ``../shared/datasets/banking77`` relative to the repository root, or
from ``$FRONTDESK_DATASETS/banking77``; its rows are never copied into the project. The unknown
run hides a seeded fifth of the intents from TRAIN and relabels their TEST rows as unknown.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import sys
import tempfile
from pathlib import Path

from classifier.benchmark import run_benchmark

REPO = Path(__file__).resolve().parent.parent
UNKNOWN_LABEL = "__unknown__"
SEED = 77


def dataset_dir() -> Path:
    root = Path(os.environ.get("FRONTDESK_DATASETS", REPO / ".." / "shared" / "datasets"))
    path = (root / "banking77").resolve()
    if not (path / "train.csv").is_file():
        sys.exit(f"BANKING77 not found in {path} (set FRONTDESK_DATASETS)")
    return path


def hidden_intents(train_csv: Path, seed: int = SEED) -> list[str]:
    """A deterministic (seeded) fifth of the intents, to play the unknown."""
    with open(train_csv, newline="") as fh:
        intents = sorted({row["category"] for row in csv.DictReader(fh)})
    return sorted(random.Random(seed).sample(intents, len(intents) // 5))


def _rewrite(src: Path, dst: Path, hidden: set[str], drop: bool) -> None:
    with open(src, newline="") as fin, open(dst, "w", newline="") as fout:
        reader = csv.DictReader(fin)
        writer = csv.DictWriter(fout, fieldnames=["text", "category"])
        writer.writeheader()
        for row in reader:
            if row["category"] in hidden:
                if drop:
                    continue
                row = {"text": row["text"], "category": UNKNOWN_LABEL}
            writer.writerow({"text": row["text"], "category": row["category"]})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--embeddings", action="store_true", help="MiniLM features in the SVM")
    parser.add_argument(
        "--model", default=None, help="tfidf | use | minilm | minilm+use (default: as served)"
    )
    parser.add_argument("--closed-only", action="store_true", help="skip the unknown-intent run")
    args = parser.parse_args()
    data = dataset_dir()
    train_csv, test_csv = data / "train.csv", data / "test.csv"
    results = {
        "closed_set": run_benchmark(
            train_csv, test_csv, "text", "category", embeddings=args.embeddings, model=args.model
        )
    }
    print(json.dumps({"closed_set": results["closed_set"]}), flush=True)
    if not args.closed_only:
        hidden = hidden_intents(train_csv)
        with tempfile.TemporaryDirectory() as tmp:
            open_train, open_test = Path(tmp) / "train.csv", Path(tmp) / "test.csv"
            _rewrite(train_csv, open_train, set(hidden), drop=True)
            _rewrite(test_csv, open_test, set(hidden), drop=False)
            results["unknown_intents"] = run_benchmark(
                open_train,
                open_test,
                "text",
                "category",
                unknown_label=UNKNOWN_LABEL,
                embeddings=args.embeddings,
                model=args.model,
            )
        results["unknown_intents"]["hidden_intents"] = len(hidden)
        print(json.dumps({"unknown_intents": results["unknown_intents"]}), flush=True)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
