"""Training, evaluation, promotion and CSV import on top of the ``ModelRegistry``.

Training data = shipped examples + imported CSVs (``<registry>/imports``) + the extra examples
the caller passes (agent corrections, answers to clarifying questions), later sources winning
when the same text appears with two labels, + the shipped out-of-scope messages as ``unknown``.

Promotion rule (``train``): the new version becomes active when no version is active, or when it
is *not worse* than the active one: accuracy and macro-F1 both at least the active version's,
measured on the same held-out rows. Held-out rows are chosen by a hash of their text
(``examples.split_held_out``); the active version's figure comes from refitting its recorded
training rows minus those held-out rows, so neither side has seen the rows it is judged on
(the stored active model itself did see some of them, which would favour it unfairly).
"""

from __future__ import annotations

import io
import json
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import (
    accuracy_score,
    confusion_matrix,
    f1_score,
    precision_recall_fscore_support,
)
from sklearn.pipeline import Pipeline

from .catalog import UNKNOWN_INTENT, Catalog, load_catalog
from .errors import TrainingDataError
from .examples import (
    Example,
    check_labels,
    fingerprint,
    read_labelled_csv,
    shipped_examples,
    split_held_out,
)
from .model import (
    SklearnClassifier,
    fit_intent_model,
    fit_priority_model,
    out_of_scope_rows,
    tune_thresholds,
)
from .pipeline import MIN_EXAMPLES_PER_INTENT
from .registry import ModelRegistry, VersionRecord, _atomic_write, rows_to_csv

Progress = Callable[[str, float], None]
"""``progress(stage, fraction_done)``: e.g. feed a tqdm bar or a log line."""


@dataclass(frozen=True, slots=True)
class TrainingResult:
    """What ``train`` did: the version it stored (or reused) and whether it is now active."""

    record: VersionRecord
    reused: bool
    promoted: bool
    reason: str


def _no_progress(stage: str, fraction: float) -> None:
    return None


def imported_examples(registry: ModelRegistry) -> list[Example]:
    """Rows of every CSV imported into the registry, in import order."""
    if not registry.imports_dir.is_dir():
        return []
    rows: list[Example] = []
    for path in sorted(registry.imports_dir.glob("*.csv")):
        rows.extend(read_labelled_csv(path, "text", "intent"))
    return rows


DESK_WEIGHT = 2
"""How many shipped examples one of the desk's own counts as (an agent's correction, a
customer's answer to a clarifying question): it says how *this* desk reads a message, so where
it disagrees with shipped examples worded like it, it must win. Measured with corrections that
reword a shipped example ("..., thanks") and file it under another intent: trained once each,
the model learnt 13 of 20 (1 of 5 where the intent has many similar examples); twice, 20 of 20
and 5 of 5 (three times: the same). A correction is a row like any other, written twice: the
version's recorded rows carry the weight, so a refit of them (the promotion gate) weighs it the
same, and both copies fall on the same side of the held-out split (``split_held_out``)."""


def gather_training_rows(
    registry: ModelRegistry, extra_examples: Iterable[Example], catalog: Catalog
) -> list[Example]:
    """All training rows, one per text (case-insensitive); later sources win on conflicts, and
    each of ``extra_examples`` (the desk's) is there ``DESK_WEIGHT`` times."""
    extra = [(t.strip(), label.strip()) for t, label in extra_examples if t.strip()]
    check_labels(extra, catalog, "extra examples")
    merged: dict[str, Example] = {}
    for text, label in [*shipped_examples(), *imported_examples(registry), *extra]:
        if label in catalog.trainable:  # an intent removed from the catalog is not learnt
            merged[text.lower()] = (text, label)
    for text, label in out_of_scope_rows():
        merged.setdefault(text.lower(), (text, label))
    rows = list(merged.values())
    desk = {text.lower() for text, _ in extra}
    return rows + [row for row in rows if row[0].lower() in desk] * (DESK_WEIGHT - 1)


def _drop_rare_intents(rows: list[Example]) -> tuple[list[Example], list[str]]:
    counts: dict[str, int] = {}
    for _, label in rows:
        counts[label] = counts.get(label, 0) + 1
    rare = sorted(label for label, n in counts.items() if n < MIN_EXAMPLES_PER_INTENT)
    return [r for r in rows if r[1] not in rare], rare


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


def confusion_png(confusion: dict[str, Any], title: str) -> bytes:
    """The confusion matrix as a PNG (Agg canvas: no display, no global backend switch)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    labels: list[str] = confusion["labels"]
    matrix = np.asarray(confusion["matrix"])
    size = max(5.0, 0.45 * len(labels) + 2)
    fig = Figure(figsize=(size, size))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.imshow(matrix, cmap="Blues")
    ax.set_xticks(range(len(labels)), labels, rotation=90, fontsize=8)
    ax.set_yticks(range(len(labels)), labels, fontsize=8)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title)
    for (i, j), n in np.ndenumerate(matrix):
        if n:
            ax.text(
                j,
                i,
                str(n),
                ha="center",
                va="center",
                fontsize=7,
                color="white" if n > matrix.max() / 2 else "black",
            )
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    return buf.getvalue()


def not_worse(candidate: dict[str, Any], baseline: dict[str, Any]) -> bool:
    """The promotion rule: no loss in accuracy nor in macro-F1 (on the same held-out rows)."""
    eps = 1e-9
    return bool(
        candidate["accuracy"] + eps >= baseline["accuracy"]
        and candidate["macro_f1"] + eps >= baseline["macro_f1"]
    )


def train(
    extra_examples: Iterable[Example],
    registry: ModelRegistry,
    progress: Progress | None = None,
    catalog: Catalog | None = None,
) -> TrainingResult:
    """Train a version on all data, store it, and promote it if it is not worse (see module doc).

    Identical training data (same fingerprint) reuses the stored version instead of retraining.
    """
    report = progress or _no_progress
    catalog = catalog or load_catalog()
    rows = gather_training_rows(registry, extra_examples, catalog)
    rows, rare = _drop_rare_intents(rows)
    fp = fingerprint(rows)
    active = registry.active_version()
    existing = registry.find_by_fingerprint(fp)
    if existing is not None:
        report("done", 1.0)
        return TrainingResult(
            existing,
            reused=True,
            promoted=existing.version == active,
            reason="same training data as an existing version: not retrained",
        )
    started = time.perf_counter()
    train_rows, held_out = split_held_out(rows)
    report("evaluating on held-out rows", 0.1)
    eval_model = fit_intent_model(train_rows)
    metrics = evaluate(eval_model, held_out)
    thresholds = tune_thresholds(eval_model, held_out)
    baseline: dict[str, Any] | None = None
    if active is not None:
        report("evaluating the active version on the same rows", 0.35)
        held_texts = {t.lower() for t, _ in held_out}
        active_rows = [r for r in registry.training_rows(active) if r[0].lower() not in held_texts]
        active_rows, _ = _drop_rare_intents(active_rows)
        baseline = evaluate(fit_intent_model(active_rows), held_out)
    report("fitting on all rows", 0.6)
    classifier = SklearnClassifier(
        fit_intent_model(rows), fit_priority_model(), catalog, thresholds
    )
    metrics.update(
        train_seconds=round(time.perf_counter() - started, 3),
        n_training_rows=len(rows),
        skipped_rare_intents=rare,
        baseline=None
        if baseline is None
        else {
            "version": active,
            "accuracy": baseline["accuracy"],
            "macro_f1": baseline["macro_f1"],
        },
    )
    report("storing", 0.9)
    record = registry.store(
        classifier,
        fingerprint=fp,
        training_rows=rows,
        metrics=metrics,
        parent=active,
        files={
            "confusion.json": json.dumps(metrics["confusion_matrix"]).encode(),
            "confusion.png": confusion_png(
                metrics["confusion_matrix"], f"held-out confusion ({len(held_out)} rows)"
            ),
        },
    )
    if baseline is None:
        promoted, reason = True, "no active version: promoted"
    elif not_worse(metrics, baseline):
        promoted, reason = (
            True,
            (
                f"not worse than {active} on the same held-out rows "
                f"(accuracy {metrics['accuracy']:.3f} vs {baseline['accuracy']:.3f}, "
                f"macro-F1 {metrics['macro_f1']:.3f} vs {baseline['macro_f1']:.3f}): promoted"
            ),
        )
    else:
        promoted, reason = (
            False,
            (
                f"worse than {active} on the same held-out rows "
                f"(accuracy {metrics['accuracy']:.3f} vs {baseline['accuracy']:.3f}, "
                f"macro-F1 {metrics['macro_f1']:.3f} vs {baseline['macro_f1']:.3f}): kept {active}"
            ),
        )
    if promoted:
        registry.activate(record.version)
    report("done", 1.0)
    return TrainingResult(record, reused=False, promoted=promoted, reason=reason)


class PromotionRefusedError(TrainingDataError):
    """``promote`` without ``force`` of a version that scored worse than the active one."""


def promote(registry: ModelRegistry, version: str, force: bool = False) -> VersionRecord:
    """Activate ``version``; refused when its recorded held-out figures are worse than the
    active version's, unless ``force`` (held-out rows are hash-stable, so both figures come
    from the same rows wherever the two versions' data overlap)."""
    record = registry.record(version)
    active = registry.active_version()
    if active is not None and active != version and not force:
        current = registry.record(active)
        if current.metrics and record.metrics and not not_worse(record.metrics, current.metrics):
            raise PromotionRefusedError(
                f"{version} scored worse than the active {active} on held-out data "
                f"(accuracy {record.metrics['accuracy']:.3f} vs {current.metrics['accuracy']:.3f}, "
                f"macro-F1 {record.metrics['macro_f1']:.3f} vs "
                f"{current.metrics['macro_f1']:.3f}); use force to promote it anyway"
            )
    registry.activate(version)
    return record


@dataclass(frozen=True, slots=True)
class ImportResult:
    path: Path
    rows: int
    duplicates_dropped: int


def import_csv(
    registry: ModelRegistry,
    path: str | Path,
    text_column: str,
    label_column: str,
    catalog: Catalog | None = None,
) -> ImportResult:
    """Validate a labelled CSV and keep it under ``<registry>/imports`` for future training.

    Refused as a whole (``TrainingDataError``, nothing stored) on a missing column, an empty text
    or label, or a label the catalog does not list. Duplicate texts inside the file are dropped
    (the last label wins, as in training).
    """
    catalog = catalog or load_catalog()
    rows = read_labelled_csv(path, text_column, label_column)
    check_labels(rows, catalog, str(path))
    unique = {text.lower(): (text, label) for text, label in rows}
    registry.imports_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    target = registry.imports_dir / f"{stamp}-{Path(path).stem}.csv"
    _atomic_write(target, rows_to_csv(list(unique.values())))
    return ImportResult(target, len(unique), len(rows) - len(unique))


__all__ = [
    "UNKNOWN_INTENT",
    "ImportResult",
    "PromotionRefusedError",
    "TrainingResult",
    "evaluate",
    "gather_training_rows",
    "import_csv",
    "promote",
    "train",
]
