from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from classifier.benchmark import run_benchmark
from classifier.catalog import UNKNOWN_INTENT, load_catalog
from classifier.ensemble import kind_from_env
from classifier.errors import TrainingDataError
from classifier.examples import Example, shipped_examples, split_held_out
from classifier.model import (
    SklearnClassifier,
    fit_intent_model,
    fit_priority_model,
    tune_thresholds,
)
from classifier.pipeline import MAX_TURNED_AWAY, tune_unknown_threshold
from tests.model_template import SMALL_INTENTS, TRAINING_TIMEOUT

pytestmark = pytest.mark.timeout(TRAINING_TIMEOUT)  # tests that train models


def _small_data() -> list[Example]:
    """The shipped examples of six intents: what these tests check is what a benchmark run
    reports, not how well the model reads (``make bench-classifier``)."""
    return [r for r in shipped_examples() if r[1] in SMALL_INTENTS]


def _write(path: Path, rows: list[Example]) -> Path:
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["utterance", "label"])
        writer.writerows(rows)
    return path


def test_closed_set_benchmark_on_small_data(tmp_path: Path) -> None:
    train, test = split_held_out(_small_data())
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
    hidden = {"billing_question", "app_crash"}
    train, test = split_held_out(_small_data())
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
    assert result["in_scope_accuracy_without_threshold"] >= result["in_scope_accuracy"]
    assert 0 <= result["in_scope_turned_away"] < 0.2
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


def test_unknown_threshold_turns_away_at_most_three_percent_of_in_scope_rows() -> None:
    confidence = np.linspace(0.01, 1.0, 100)  # 100 held-out in-scope rows
    threshold = tune_unknown_threshold(confidence)
    assert int(np.sum(confidence < threshold)) == 3
    assert tune_unknown_threshold(confidence, max_turned_away=0.0) == pytest.approx(0.01)
    # Rows already answered ``unknown`` (confidence 0) use up the allowance.
    rejected = np.concatenate([np.zeros(5), confidence[5:]])
    assert tune_unknown_threshold(rejected) == 0.0
    assert tune_unknown_threshold(np.asarray([])) == 0.0


def test_tuned_thresholds_keep_held_out_in_scope_messages() -> None:
    train, held = split_held_out(_small_data())
    pipeline = fit_intent_model(train, kind="tfidf")
    thresholds = tune_thresholds(pipeline, [*held, ("what is the capital of Peru", "unknown")])
    classifier = SklearnClassifier(pipeline, fit_priority_model(), load_catalog(), thresholds)
    answers = classifier.classify_many([t for t, _ in held])
    turned_away = sum(p.intent == UNKNOWN_INTENT for p in answers) / len(held)
    assert thresholds.unknown > 0.0 and turned_away <= MAX_TURNED_AWAY
