"""The promotion gate: a candidate version against the active one, on the same rows (issue 16).

Both ``train`` and ``promote`` judge a candidate with ``compare`` and nothing else, so a version
that ``train`` promoted (or kept back) gets the same verdict from a later ``promote`` against
the same active version: "0.867 vs 0.867, promoted" followed by "0.867 vs 0.881, refused" for
the same pair can no longer happen. The figures:

* **Held-out rows**: the candidate's hash-stable held-out split (``examples.split_held_out``
  of the rows it was trained on). The candidate's figure is its own, recorded when it was
  trained (a model fitted on the rest of its rows); the active version's comes from refitting
  its recorded training rows minus those held-out texts, so neither side has seen the rows it is
  judged on (the stored active model did see some of them, which would favour it unfairly).
* **Customers' words** (``classifier.customers_words``): the stored models themselves, which
  never trained on that set, both scored on it as it is now (the figures recorded with a
  version are reused while the set is unchanged: a stored model never changes).

Rule (``not_worse``): held-out accuracy and macro-F1 no more than ``HELD_OUT_TOLERANCE`` below
the active version's, and at most ``CUSTOMERS_WORDS_SLACK`` messages of the customers'-words set
lost. A correction an agent makes on purpose moves a boundary: on the 35-intent catalog one
relabelled sentence cost 0.001 of macro-F1 and one customers'-words message, and a gate that
refused any loss kept every such correction out. A model trained on wrong labels loses far more.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .catalog import Catalog
from .customers_words import customers_words, evaluate_customers_words, set_fingerprint
from .ensemble import kind_from_env
from .evaluation import evaluate
from .examples import Example, fingerprint, split_held_out
from .model import SklearnClassifier, fit_intent_model
from .pipeline import MIN_EXAMPLES_PER_INTENT
from .registry import ModelRegistry, _atomic_write

CUSTOMERS_WORDS_SLACK = 5
"""Messages of the customers'-words set (~670) a candidate may lose against the active version."""
HELD_OUT_TOLERANCE = 0.005
"""How far below the active version's held-out accuracy and macro-F1 a candidate may be."""
CUSTOMERS_WORDS_KEYS = (
    "n",
    "n_in_scope",
    "top1",
    "top1_known",
    "macro_f1",
    "type_accuracy",
    "priority_accuracy",
    "confident_wrong_rate",
    "ece",
    "turned_away",
)


def drop_rare_intents(rows: Sequence[Example]) -> tuple[list[Example], list[str]]:
    """Rows of intents with enough examples to calibrate, and the intents left out."""
    counts: dict[str, int] = {}
    for _, label in rows:
        counts[label] = counts.get(label, 0) + 1
    rare = sorted(label for label, n in counts.items() if n < MIN_EXAMPLES_PER_INTENT)
    return [r for r in rows if r[1] not in rare], rare


def customers_words_figures(classifier: SklearnClassifier) -> dict[str, Any]:
    """The summary of ``evaluate_customers_words`` kept in a version's record, with the
    fingerprint of the set it was measured on."""
    messages = customers_words()
    result = evaluate_customers_words(classifier, messages)
    return {"set": set_fingerprint(messages), **{key: result[key] for key in CUSTOMERS_WORDS_KEYS}}


def stored_customers_words_figures(
    registry: ModelRegistry, version: str, catalog: Catalog
) -> dict[str, Any]:
    """``version``'s figures on the set as it is now: the recorded ones when they were measured
    on the same set (a stored model never changes), else its stored model scored again."""
    recorded = registry.record(version).metrics.get("customers_words")
    if recorded and recorded.get("set") == set_fingerprint(customers_words()):
        return dict(recorded)
    return customers_words_figures(registry.load(version, catalog))


def not_worse(candidate: dict[str, Any], baseline: dict[str, Any]) -> bool:
    """The promotion rule (see module doc); customers'-words figures count when both have them."""
    eps = 1e-9 + HELD_OUT_TOLERANCE
    held_out = (
        candidate["accuracy"] + eps >= baseline["accuracy"]
        and candidate["macro_f1"] + eps >= baseline["macro_f1"]
    )
    cw_c, cw_b = candidate.get("customers_words"), baseline.get("customers_words")
    if not (held_out and cw_c and cw_b):
        return bool(held_out)
    slack = CUSTOMERS_WORDS_SLACK / max(cw_b["n_in_scope"], 1)
    return bool(cw_c["top1"] + slack + 1e-9 >= cw_b["top1"])


@dataclass(frozen=True, slots=True)
class Comparison:
    """A candidate's figures against the active version's, on the same rows and set."""

    candidate: dict[str, Any]
    baseline: dict[str, Any]
    baseline_version: str

    @property
    def not_worse(self) -> bool:
        return not_worse(self.candidate, self.baseline)

    def figures(self) -> str:
        c, b = self.candidate, self.baseline
        text = (
            f"held-out accuracy {c['accuracy']:.3f} vs {b['accuracy']:.3f}, "
            f"macro-F1 {c['macro_f1']:.3f} vs {b['macro_f1']:.3f}"
        )
        if c.get("customers_words") and b.get("customers_words"):
            text += (
                f", customers' words top-1 {c['customers_words']['top1']:.3f} vs "
                f"{b['customers_words']['top1']:.3f}"
            )
        return text

    def as_json(self) -> dict[str, Any]:
        return {"version": self.baseline_version, **self.baseline}


def baseline_figures(
    registry: ModelRegistry, version: str, held_out: Sequence[Example], catalog: Catalog
) -> dict[str, Any]:
    """``version`` refitted on its training rows minus ``held_out``, scored on ``held_out``;
    plus its stored model on the customers' words."""
    return {
        **_refitted_figures(registry, version, held_out),
        "customers_words": stored_customers_words_figures(registry, version, catalog),
    }


def _baseline_cache(registry: ModelRegistry, version: str, held_out: Sequence[Example]) -> Path:
    key = fingerprint([("model kind", kind_from_env()), *sorted(held_out)])
    return registry.versions_dir / version / "baselines" / f"{key}.json"


def rows_without(rows: Sequence[Example], held_out: Sequence[Example]) -> list[Example]:
    """``rows`` minus every row whose text is held out (case-insensitive), grouped by label in
    the order ``split_held_out`` gives its training part, so that for a version's own held-out
    rows this is exactly the part its evaluation model was fitted on."""
    held_texts = {t.lower() for t, _ in held_out}
    by_label: dict[str, list[Example]] = {}
    for row in rows:
        if row[0].lower() not in held_texts:
            by_label.setdefault(row[1], []).append(row)
    return [row for label_rows in by_label.values() for row in label_rows]


def _refitted_figures(
    registry: ModelRegistry, version: str, held_out: Sequence[Example]
) -> dict[str, float]:
    """Accuracy and macro-F1 of ``version`` refitted without ``held_out``, kept next to the
    version: its training rows never change and the fit is deterministic, so ``promote`` right
    after ``train`` (the same pair) answers at once instead of refitting for seconds."""
    cache = _baseline_cache(registry, version, held_out)
    if cache.is_file():
        return dict(json.loads(cache.read_text()))
    rows, _ = drop_rare_intents(rows_without(registry.training_rows(version), held_out))
    figures = evaluate(fit_intent_model(rows, kind_from_env()), held_out)
    return _keep_baseline(cache, figures)


def _keep_baseline(cache: Path, figures: dict[str, Any]) -> dict[str, float]:
    result = {"accuracy": figures["accuracy"], "macro_f1": figures["macro_f1"]}
    cache.parent.mkdir(exist_ok=True)
    _atomic_write(cache, json.dumps(result).encode())
    return result


def keep_own_baseline(
    registry: ModelRegistry,
    version: str,
    train_rows: Sequence[Example],
    held_out: Sequence[Example],
    figures: dict[str, Any],
) -> None:
    """Record ``version``'s evaluation figures as the gate's refit for its own held-out rows.

    The refit the gate would make (its training rows minus those held-out texts) is the fit
    ``train`` evaluated the version with: the same rows in the same order, fitted by the same
    deterministic code. A candidate trained on the same data plus corrections that fall outside
    the held-out bucket is judged on those same rows, so its gate needs no refit (a full fit of
    the ensemble: ~40 % of a retraining)."""
    rows, rare = drop_rare_intents(rows_without(registry.training_rows(version), held_out))
    if not rare and rows == list(train_rows):
        _keep_baseline(_baseline_cache(registry, version, held_out), figures)


def compare(
    registry: ModelRegistry,
    candidate_metrics: dict[str, Any],
    candidate_rows: Sequence[Example],
    candidate_customers_words: dict[str, Any],
    active: str,
    catalog: Catalog,
) -> Comparison:
    """The gate's comparison of a candidate (its held-out ``metrics``, the rows it was trained
    on and its customers'-words figures) with the ``active`` version."""
    _, held_out = split_held_out(candidate_rows)
    return Comparison(
        candidate={
            "accuracy": candidate_metrics["accuracy"],
            "macro_f1": candidate_metrics["macro_f1"],
            "customers_words": candidate_customers_words,
        },
        baseline=baseline_figures(registry, active, held_out, catalog),
        baseline_version=active,
    )


def compare_stored(
    registry: ModelRegistry, candidate: str, active: str, catalog: Catalog
) -> Comparison:
    """``compare`` for a stored version: its record, its training rows, its model scored on the
    customers' words as the set is now."""
    return compare(
        registry,
        registry.record(candidate).metrics,
        registry.training_rows(candidate),
        stored_customers_words_figures(registry, candidate, catalog),
        active,
        catalog,
    )
