"""Training, evaluation, promotion and CSV import on top of the ``ModelRegistry``.

Training data = shipped examples + imported CSVs (``<registry>/imports``) + the extra examples
the caller passes (agent corrections, answers to clarifying questions), later sources winning
when the same text appears with two labels, + the shipped out-of-scope messages as ``unknown``.

Promotion (``train`` and ``promote`` alike): ``classifier.promotion.compare`` judges a candidate
against the active version on the candidate's hash-stable held-out rows and on the customers'
words; it becomes active when no version is active or when it is not worse (see that module).
"""

from __future__ import annotations

import io
import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from .catalog import UNKNOWN_INTENT, Catalog, load_catalog
from .ensemble import held_out_weight
from .errors import PromotionRefusedError
from .evaluation import evaluate
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
from .promotion import (
    compare,
    compare_stored,
    customers_words_figures,
    drop_rare_intents,
    keep_own_baseline,
)
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


DESK_WEIGHT = 3
"""How many shipped examples one of the desk's own counts as (an agent's correction, a
customer's answer to a clarifying question): it says how *this* desk reads a message, so where
it disagrees with shipped examples worded like it, it must win. Measured with corrections that
reword a shipped example ("..., thanks") and file it under another intent: trained once each,
the model learnt 13 of 20 (1 of 5 where the intent has many similar examples); twice, 20 of 20
and 5 of 5 (three times: the same). A correction is a row like any other, written twice: the
version's recorded rows carry the weight, so a refit of them (the promotion gate) weighs it the
same, and both copies fall on the same side of the held-out split (``split_held_out``). On the
35-intent data (4,200 rows) twice was no longer enough for one intent of five; three is."""


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
    rows, rare = drop_rare_intents(rows)
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
    report("fitting on all rows", 0.35)
    weight = held_out_weight(eval_model, train_rows, held_out)
    classifier = SklearnClassifier(
        fit_intent_model(rows, weight=weight, like=eval_model),
        fit_priority_model(),
        catalog,
        thresholds,
    )
    report("scoring the customers' words", 0.55)
    metrics.update(
        train_seconds=round(time.perf_counter() - started, 3),
        n_training_rows=len(rows),
        skipped_rare_intents=rare,
        customers_words=customers_words_figures(classifier),
        baseline=None,
    )
    comparison = None
    if active is not None:
        report("evaluating the active version on the same rows", 0.7)
        comparison = compare(registry, metrics, rows, metrics["customers_words"], active, catalog)
        metrics["baseline"] = comparison.as_json()
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
    if comparison is None:
        promoted, reason = True, "no active version: promoted"
    elif comparison.not_worse:
        promoted = True
        reason = f"not worse than {active} on the same held-out rows ({comparison.figures()})"
        reason += ": promoted"
    else:
        promoted = False
        reason = f"worse than {active} on the same held-out rows ({comparison.figures()})"
        reason += f": kept {active}"
    keep_own_baseline(registry, record.version, train_rows, held_out, metrics)
    if promoted:
        registry.activate(record.version)
    report("done", 1.0)
    return TrainingResult(record, reused=False, promoted=promoted, reason=reason)


def promote(
    registry: ModelRegistry, version: str, force: bool = False, catalog: Catalog | None = None
) -> VersionRecord:
    """Activate ``version``; refused when it is worse than the active version by the same
    comparison ``train`` makes (``promotion.compare``), unless ``force``."""
    record = registry.record(version)
    active = registry.active_version()
    if active is not None and active != version and not force:
        comparison = compare_stored(registry, version, active, catalog or load_catalog())
        if not comparison.not_worse:
            raise PromotionRefusedError(
                f"{version} scored worse than the active {active} on the same held-out rows "
                f"({comparison.figures()}); use force to promote it anyway"
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
