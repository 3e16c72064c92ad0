from __future__ import annotations

import csv
from pathlib import Path

import pytest

from classifier.benchmark import run_benchmark, simulated_open_set_split
from classifier.catalog import UNKNOWN_INTENT
from classifier.ensemble import kind_from_env
from classifier.errors import TrainingDataError
from classifier.examples import Example, shipped_examples, split_held_out


def _write(path: Path, rows: list[Example]) -> Path:
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["utterance", "label"])
        writer.writerows(rows)
    return path


def test_closed_set_benchmark_on_small_data(tmp_path: Path) -> None:
    train, test = split_held_out(shipped_examples())
    result = run_benchmark(
        _write(tmp_path / "train.csv", train),
        _write(tmp_path / "test.csv", test),
        "utterance",
        "label",
    )
    assert set(result) >= {
        "accuracy",
        "macro_f1",
        "train_seconds",
        "p50_ms",
        "p99_ms",
        "throughput_per_s",
    }
    assert result["accuracy"] > 0.8 and 0 < result["macro_f1"] <= 1
    assert 0 < result["p50_ms"] <= result["p99_ms"]
    assert result["throughput_per_s"] > 1000 / result["p50_ms"]  # batching pays off
    assert (result["n_train"], result["n_test"]) == (len(train), len(test))
    assert "unknown_recall" not in result and "unknown_auroc" not in result
    assert result["model"] == kind_from_env()  # what `frontdesk run` would train


def test_unknown_intent_benchmark(tmp_path: Path) -> None:
    hidden = {"billing_question", "greeting"}
    train, test = split_held_out(shipped_examples())
    train = [r for r in train if r[1] not in hidden]
    test = [(t, "OOS" if label in hidden else label) for t, label in test]
    result = run_benchmark(
        _write(tmp_path / "train.csv", train),
        _write(tmp_path / "test.csv", test),
        "utterance",
        "label",
        unknown_label="OOS",
    )
    assert 0 < result["unknown_recall"] <= 1
    assert result["in_scope_accuracy"] > 0.7
    assert 0 < result["unknown_threshold"] < 1
    # Threshold-free separation of answerable from unknown: better than chance.
    assert 0.5 < result["unknown_auroc"] <= 1
    with pytest.raises(TrainingDataError, match="must not be in TRAIN"):
        run_benchmark(
            _write(tmp_path / "t2.csv", [*train, ("x", "OOS")]),
            tmp_path / "test.csv",
            "utterance",
            "label",
            unknown_label="OOS",
        )


def test_simulated_open_set_split_hides_whole_intents() -> None:
    rows = shipped_examples()
    train, tuning = simulated_open_set_split(rows, seed=3)
    trained = {label for _, label in train}
    hidden = {label for _, label in rows} - trained
    assert len(hidden) == round(len({label for _, label in rows}) / 5)  # a fifth, rounded
    unknown_texts = {t for t, label in tuning if label == UNKNOWN_INTENT}
    assert unknown_texts and all(label in hidden for t, label in rows if t in unknown_texts)
    assert simulated_open_set_split(rows, seed=3) == (train, tuning)
