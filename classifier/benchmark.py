"""Accuracy, training time and latency of the production pipeline on a labelled train/test pair.

Used by ``bench/classifier_banking77.py`` and the ``frontdesk classifier benchmark`` command;
never run on a large data set inside unit tests.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import f1_score
from threadpoolctl import threadpool_limits

from .catalog import UNKNOWN_INTENT, Catalog
from .customers_words import unknown_auroc
from .ensemble import build_intent_model, kind_from_env
from .errors import TrainingDataError
from .examples import Example, read_labelled_csv, split_held_out
from .model import SklearnClassifier, Thresholds, fit_priority_model, tune_thresholds
from .pipeline import fit_pipeline, min_df_for

LATENCY_SAMPLE = 1000
BATCH_SIZE = 256


def fit_benchmark_classifier(
    train_rows: Sequence[Example], open_set: bool, embeddings: bool = False, model: str = "tfidf"
) -> SklearnClassifier:
    """The production intent model ``model`` (``ensemble.MODEL_KINDS``) on ``train_rows``
    alone; thresholds tuned only when ``open_set``. ``embeddings``: the older MiniLM-features
    variant (``classifier.embeddings``), kept to reproduce its figures."""

    def fit(rows: Sequence[Example]) -> Any:
        if embeddings:
            from .embeddings import build_embedding_pipeline

            pipeline = build_embedding_pipeline(min_df=min_df_for(len(rows)))
        else:
            pipeline = build_intent_model(model, min_df=min_df_for(len(rows)))
        return fit_pipeline(pipeline, [t for t, _ in rows], [label for _, label in rows])

    thresholds = Thresholds(unknown=0.0, ask=0.0)
    if open_set:  # tuned on in-scope rows alone, as ``train`` does (no unknown examples needed)
        tuning_train, tuning = split_held_out(train_rows)
        thresholds = tune_thresholds(fit(tuning_train), tuning)
    catalog = Catalog.open_set(label for _, label in train_rows)
    return SklearnClassifier(fit(train_rows), fit_priority_model(), catalog, thresholds)


def run_benchmark(
    train_csv: str | Path,
    test_csv: str | Path,
    text_column: str,
    label_column: str,
    unknown_label: str | None = None,
    embeddings: bool = False,
    model: str | None = None,
) -> dict[str, Any]:
    """Train on TRAIN alone, evaluate on TEST; latency one message at a time, throughput batched.

    With ``unknown_label``, rows with that label must not be in TRAIN; on TEST they count as
    correct only when predicted ``unknown``. The threshold is tuned on a held-out part of TRAIN
    so that at most ``pipeline.MAX_TURNED_AWAY`` of its in-scope rows are turned away; the
    result shows the trade-off at that operating point (``in_scope_accuracy``,
    ``in_scope_turned_away``, ``unknown_recall``) and without a threshold
    (``in_scope_accuracy_without_threshold``, ``unknown_auroc``). Without it the task is
    closed-set: the classifier never answers ``unknown`` and accuracy is plain top-1 accuracy.

    ``model``: the intent model kind (default: what ``frontdesk run`` would train, see
    ``ensemble.kind_from_env``). Latency and throughput are measured on one CPU core (one
    BLAS/OpenMP thread), one message at a time for latency.
    """
    model = model or kind_from_env()
    train_rows = read_labelled_csv(train_csv, text_column, label_column)
    test_rows = read_labelled_csv(test_csv, text_column, label_column)
    if unknown_label is not None and any(label == unknown_label for _, label in train_rows):
        raise TrainingDataError(
            f"{train_csv}: rows labelled {unknown_label!r} must not be in TRAIN"
        )
    started = time.perf_counter()
    classifier = fit_benchmark_classifier(train_rows, unknown_label is not None, embeddings, model)
    train_seconds = time.perf_counter() - started

    texts = [t for t, _ in test_rows]
    expected = [UNKNOWN_INTENT if label == unknown_label else label for _, label in test_rows]
    with threadpool_limits(limits=1):
        classifier.classify(texts[0])  # loads the sentence encoders, if any
        started = time.perf_counter()
        predictions = [
            p
            for i in range(0, len(texts), BATCH_SIZE)
            for p in classifier.classify_many(texts[i : i + BATCH_SIZE])
        ]
        batch_seconds = time.perf_counter() - started
        latencies = []
        for text in texts[:LATENCY_SAMPLE]:
            t0 = time.perf_counter()
            classifier.classify(text)
            latencies.append(time.perf_counter() - t0)
    predicted = [p.intent for p in predictions]
    hits = np.asarray(predicted) == np.asarray(expected)
    result: dict[str, Any] = {
        "model": "embeddings" if embeddings else model,
        "accuracy": round(float(hits.mean()), 4),
        "macro_f1": round(float(f1_score(expected, predicted, average="macro")), 4),
        "train_seconds": round(train_seconds, 2),
        "p50_ms": round(float(np.percentile(latencies, 50)) * 1000, 3),
        "p99_ms": round(float(np.percentile(latencies, 99)) * 1000, 3),
        "throughput_per_s": round(len(texts) / batch_seconds, 1),
        "n_train": len(train_rows),
        "n_test": len(test_rows),
    }
    if unknown_label is not None:
        is_unknown = np.asarray(expected) == UNKNOWN_INTENT
        best_guess = np.asarray(
            [
                p.alternatives[0][0] if p.intent == UNKNOWN_INTENT and p.alternatives else p.intent
                for p in predictions
            ]
        )
        in_scope = ~is_unknown
        result["in_scope_accuracy"] = round(float(hits[in_scope].mean()), 4)
        result["in_scope_accuracy_without_threshold"] = round(
            float((best_guess == np.asarray(expected))[in_scope].mean()), 4
        )
        result["in_scope_turned_away"] = round(
            float((np.asarray(predicted) == UNKNOWN_INTENT)[in_scope].mean()), 4
        )
        result["unknown_recall"] = (
            round(float(hits[is_unknown].mean()), 4) if is_unknown.any() else None
        )
        result["unknown_threshold"] = round(classifier.thresholds.unknown, 4)
        result["unknown_auroc"] = unknown_auroc(is_unknown, predictions)
    weight = getattr(classifier.intent_pipeline.steps[-1][1], "weight_", None)
    if weight is not None:
        result["embedding_weight"] = weight
    return result
