"""How a fitted intent model does on held-out examples: the figures training records, the
promotion gate compares and ``classifier train`` prints (its own module, so both may use it
without importing each other)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sklearn.metrics import (
    accuracy_score,
    confusion_matrix,
    f1_score,
    precision_recall_fscore_support,
)
from sklearn.pipeline import Pipeline

from .examples import Example


def evaluate(pipeline: Pipeline, held_out: Sequence[Example]) -> dict[str, Any]:
    """Accuracy, macro-F1, per-class precision/recall and the confusion matrix (argmax intent)."""
    labels_true = [label for _, label in held_out]
    predicted = list(pipeline.predict([t for t, _ in held_out]))
    labels = sorted(set(labels_true) | set(predicted))
    precision, recall, f1, support = precision_recall_fscore_support(
        labels_true, predicted, labels=labels, zero_division=0
    )
    return {
        "n_held_out": len(held_out),
        "accuracy": float(accuracy_score(labels_true, predicted)),
        "macro_f1": float(
            f1_score(labels_true, predicted, labels=labels, average="macro", zero_division=0)
        ),
        "per_class": {
            label: {
                "precision": float(precision[i]),
                "recall": float(recall[i]),
                "f1": float(f1[i]),
                "support": int(support[i]),
            }
            for i, label in enumerate(labels)
        },
        "confusion_matrix": {
            "labels": labels,
            "matrix": confusion_matrix(labels_true, predicted, labels=labels).tolist(),
        },
    }
