"""Training fits the ensemble as few times as its answers need (issue 16: a retraining's
cost): the full model takes the weight its own held-out split would choose from the
evaluation fit, and a version's evaluation figures stand in for the gate's refit on the same
held-out rows. Both must give exactly what the extra fits gave."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy.special import softmax

from classifier import promotion
from classifier.ensemble import held_out_weight
from classifier.evaluation import evaluate
from classifier.examples import Example, fingerprint, shipped_examples, split_held_out
from classifier.model import SklearnClassifier, fit_intent_model
from classifier.pipeline import build_intent_pipeline, fit_calibrated_like, fit_pipeline
from classifier.registry import ModelRegistry
from tests.model_template import TRAINING_TIMEOUT

pytestmark = pytest.mark.timeout(TRAINING_TIMEOUT)  # tests that train models


def _rows(per_intent: int) -> list[Example]:
    """A few shipped examples of every intent: enough rows to hold out 40+ for tuning."""
    kept: dict[str, list[Example]] = {}
    for row in shipped_examples():
        if len(kept.setdefault(row[1], [])) < per_intent:
            kept[row[1]].append(row)
    return [row for rows in kept.values() for row in rows]


def test_the_full_models_weight_is_the_one_its_own_fit_would_choose() -> None:
    rows = _rows(14)
    train_rows, held = split_held_out(rows)
    assert len(held) >= 40  # enough to choose a weight (ensemble.MIN_TUNING_ROWS)
    chosen_by_refitting = fit_intent_model(rows).steps[-1][1].weight_
    assert held_out_weight(fit_intent_model(train_rows), train_rows, held) == chosen_by_refitting
    assert held_out_weight(fit_intent_model(train_rows, kind="tfidf"), train_rows, held) is None


def _stored(tmp_path: Path, rows: list[Example], classifier: SklearnClassifier) -> ModelRegistry:
    registry = ModelRegistry(tmp_path)
    registry.store(
        classifier, fingerprint=fingerprint(rows), training_rows=rows, metrics={}, parent=None
    )
    return registry


def test_a_versions_evaluation_figures_are_what_the_gate_would_refit(
    tmp_path: Path, trained_classifier: SklearnClassifier
) -> None:
    rows = _rows(12)
    train_rows, held = split_held_out(rows)
    figures = evaluate(fit_intent_model(train_rows), held)
    registry = _stored(tmp_path, rows, trained_classifier)
    promotion.keep_own_baseline(registry, "v0001", train_rows, held, figures)
    kept = promotion._refitted_figures(registry, "v0001", held)  # read back, no refit
    assert kept == {"accuracy": figures["accuracy"], "macro_f1": figures["macro_f1"]}

    for cached in (registry.versions_dir / "v0001" / "baselines").iterdir():
        cached.unlink()
    assert promotion._refitted_figures(registry, "v0001", held) == kept  # refitted: the same


def test_figures_of_other_rows_are_not_kept_as_the_refit(
    tmp_path: Path, trained_classifier: SklearnClassifier
) -> None:
    rows = _rows(12)
    train_rows, held = split_held_out(rows)
    registry = _stored(tmp_path, rows, trained_classifier)
    fake = {"accuracy": 1.0, "macro_f1": 1.0}
    promotion.keep_own_baseline(registry, "v0001", train_rows[1:], held, fake)  # one row short
    assert not (registry.versions_dir / "v0001" / "baselines").exists()


def test_a_trained_version_carries_its_own_baseline(registry_template: Path) -> None:
    """The served first model (trained by ``train``) came with the gate's figure for its own
    held-out rows, so the first retraining after it does not refit it."""
    registry = ModelRegistry(registry_template)
    version = registry.active_version()
    assert version is not None
    _, held = split_held_out(registry.training_rows(version))
    metrics = registry.record(version).metrics
    cache = promotion._baseline_cache(registry, version, held)
    assert cache.is_file()
    assert promotion._refitted_figures(registry, version, held) == {
        "accuracy": metrics["accuracy"],
        "macro_f1": metrics["macro_f1"],
    }


def _temperature(pipeline: Any) -> float:
    return float(pipeline.steps[-1][1].calibrated_classifiers_[0].calibrators[0].beta_)


def test_the_full_model_reads_its_temperature_off_the_evaluation_fit() -> None:
    """The SVM is fitted on every row as before, only its temperature is borrowed: the same
    intents win, and the probabilities are those of that temperature."""
    rows = _rows(14)
    train_rows, held = split_held_out(rows)
    texts, labels = [t for t, _ in rows], [label for _, label in rows]
    evaluation = fit_pipeline(build_intent_pipeline(), *zip(*train_rows, strict=True))
    borrowed = fit_calibrated_like(evaluation, texts, labels)
    own = fit_pipeline(build_intent_pipeline(), texts, labels)
    assert _temperature(borrowed) == _temperature(evaluation) != _temperature(own)
    probe = [t for t, _ in held] + ["my card payment failed", "the site is down for all of us"]
    assert list(borrowed.predict(probe)) == list(own.predict(probe))
    svm = borrowed.steps[-1][1].calibrated_classifiers_[0].estimator
    scores = svm.decision_function(borrowed[:-1].transform(probe))
    expected = softmax(_temperature(evaluation) * scores, axis=1)
    assert np.allclose(borrowed.predict_proba(probe), expected)

    # an intent the evaluation fit never saw (all its rows held out): calibrated afresh
    extra = [(f"the gizmo {i} will not start", "brand_new_intent") for i in range(6)]
    texts, labels = texts + [t for t, _ in extra], labels + [label for _, label in extra]
    fresh = fit_calibrated_like(evaluation, texts, labels)
    assert "brand_new_intent" in fresh.classes_
    assert _temperature(fresh) != _temperature(evaluation)
