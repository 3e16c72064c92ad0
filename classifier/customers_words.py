"""The customers'-words set: an honest evaluation on wording the model never saw (issue 16).

``classifier/data/customers_words.csv`` holds messages written the way customers of a SaaS
company write (terse, rambling, typos, SMS spelling, emoji, non-native English, German, French
and Spanish), authored from the intent descriptions alone, in a different pass from the training
examples. Nothing in the training code reads it (``tests/classifier/test_customers_words.py``
fails if one of its texts, exact or normalised, appears in any training data), so figures on it
measure how the classifier reads wording it was not built from.

Columns: ``text, intent, language`` (ISO 639-1) and, where the expected handling is clear,
``type`` and ``priority``. Rows labelled ``unknown`` are out-of-scope messages: the set also
measures how often the bot turns away what it should answer and answers what it should not.
"""

from __future__ import annotations

import csv
import hashlib
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import f1_score, roc_auc_score

from models import Prediction

from .catalog import DATA_DIR, UNKNOWN_INTENT
from .errors import TrainingDataError
from .model import SklearnClassifier

CUSTOMERS_WORDS_CSV = DATA_DIR / "customers_words.csv"
ECE_BINS = 10


@dataclass(frozen=True, slots=True)
class CustomerMessage:
    """One message of the set and what the front desk should make of it."""

    text: str
    intent: str
    language: str
    type: str | None = None
    priority: str | None = None


def customers_words(path: str | Path | None = None) -> list[CustomerMessage]:
    """The rows of the set (default: the shipped file)."""
    path = CUSTOMERS_WORDS_CSV if path is None else Path(path)
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            rows = [
                CustomerMessage(
                    text=row["text"].strip(),
                    intent=row["intent"].strip(),
                    language=row["language"].strip(),
                    type=(row.get("type") or "").strip() or None,
                    priority=(row.get("priority") or "").strip() or None,
                )
                for row in csv.DictReader(fh)
            ]
    except (OSError, KeyError, csv.Error) as exc:
        raise TrainingDataError(f"cannot read the customers'-words set {path}: {exc}") from exc
    return rows


def set_fingerprint(messages: Sequence[CustomerMessage]) -> str:
    """Short SHA-256 of the set's rows: figures measured on another version of the set differ."""
    digest = hashlib.sha256()
    for m in messages:
        digest.update(f"{m.text}\x1f{m.intent}\x1f{m.type}\x1f{m.priority}\x1e".encode())
    return digest.hexdigest()[:16]


def normalised(text: str) -> str:
    """Lower case, accents and punctuation removed, spaces collapsed: "Passwort vergessen!!" and
    "passwort  vergessen" are the same message for the leak check."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    letters = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.sub(r"[\W_]+", " ", letters).split())


def expected_calibration_error(confidence: Any, correct: Any, bins: int = ECE_BINS) -> float:
    """Weighted mean |accuracy - confidence| over equal-width confidence bins."""
    confidence, correct = np.asarray(confidence, float), np.asarray(correct, bool)
    if len(confidence) == 0:
        return 0.0
    which = np.minimum((confidence * bins).astype(int), bins - 1)
    error = 0.0
    for b in range(bins):
        members = which == b
        if members.any():
            gap = abs(float(correct[members].mean()) - float(confidence[members].mean()))
            error += gap * float(members.mean())
    return error


def unknown_auroc(is_unknown: Any, predictions: Sequence[Prediction]) -> float | None:
    """AUROC of in-scope vs unknown by the best in-scope confidence, whatever the threshold.

    The score is the confidence of the best intent, or of the best alternative when the model
    answered ``unknown`` (a model trained with an ``unknown`` class is scored the same way).
    """
    is_unknown = np.asarray(is_unknown, bool)
    if is_unknown.all() or not is_unknown.any():
        return None
    scores = [
        p.confidence
        if p.intent != UNKNOWN_INTENT
        else max((prob for _, prob in p.alternatives), default=0.0)
        for p in predictions
    ]
    return round(float(roc_auc_score(~is_unknown, scores)), 4)


def _share(hits: Sequence[bool]) -> float | None:
    return round(float(np.mean(hits)), 4) if len(hits) else None


def evaluate_customers_words(
    classifier: SklearnClassifier, messages: Sequence[CustomerMessage] | None = None
) -> dict[str, Any]:
    """Figures of ``classifier`` on the set (see docs/benchmarks.md for what each one means).

    Intents of the set that the model does not know (an older, smaller catalog) are listed in
    ``unknown_to_catalog`` and count as wrong in ``top1``; ``top1_known`` leaves them out.
    ``confident_wrong_rate``: of the answers the bot would act on without asking (an intent, at
    or above the ``ask`` threshold), the share that is wrong, out-of-scope messages included.
    """
    messages = customers_words() if messages is None else list(messages)
    texts = [m.text for m in messages]
    predictions = classifier.classify_many(texts)
    known = set(classifier.intents)
    in_scope = [i for i, m in enumerate(messages) if m.intent != UNKNOWN_INTENT]
    right = [p.intent == m.intent for m, p in zip(messages, predictions, strict=True)]
    expected_in = [messages[i].intent for i in in_scope]
    predicted_in = [predictions[i].intent for i in in_scope]

    per_intent: dict[str, dict[str, Any]] = {}
    for intent, n in sorted(Counter(expected_in).items()):
        hits = [right[i] for i in in_scope if messages[i].intent == intent]
        per_intent[intent] = {"n": n, "top1": _share(hits), "known": intent in known}
    per_language = {
        lang: {"n": len(idx), "top1": _share([right[i] for i in idx])}
        for lang in sorted({messages[i].language for i in in_scope})
        for idx in [[i for i in in_scope if messages[i].language == lang]]
    }
    typed = [i for i in in_scope if messages[i].type]
    prioritised = [i for i in in_scope if messages[i].priority]
    acted = [
        i
        for i, p in enumerate(predictions)
        if p.intent != UNKNOWN_INTENT and p.confidence >= classifier.thresholds.ask
    ]
    proba = classifier.intent_probabilities([texts[i] for i in in_scope])
    classes = np.asarray(classifier.intents)
    top = proba.argmax(axis=1)
    is_unknown = np.asarray([m.intent == UNKNOWN_INTENT for m in messages])
    result: dict[str, Any] = {
        "n": len(messages),
        "n_in_scope": len(in_scope),
        "catalog_intents": len(known - {UNKNOWN_INTENT}),
        "unknown_to_catalog": {i: v["n"] for i, v in per_intent.items() if not v["known"]},
        "top1": _share([right[i] for i in in_scope]),
        "top1_known": _share([right[i] for i in in_scope if messages[i].intent in known]),
        "macro_f1": round(
            float(
                f1_score(
                    expected_in,
                    predicted_in,
                    labels=sorted(set(expected_in)),
                    average="macro",
                    zero_division=0,
                )
            ),
            4,
        ),
        "type_accuracy": _share([predictions[i].type == messages[i].type for i in typed]),
        "priority_accuracy": _share(
            [predictions[i].priority == messages[i].priority for i in prioritised]
        ),
        "confident_wrong_rate": _share([not right[i] for i in acted]),
        "acted_without_asking": _share([i in set(acted) for i in range(len(messages))]),
        "ece": round(
            expected_calibration_error(
                proba.max(axis=1), classes[top] == np.asarray(expected_in, dtype=object)
            ),
            4,
        ),
        "turned_away": _share([predictions[i].intent == UNKNOWN_INTENT for i in in_scope]),
        "turned_away_known": _share(
            [
                predictions[i].intent == UNKNOWN_INTENT
                for i in in_scope
                if messages[i].intent in known
            ]
        ),
        "unknown_recall": _share([right[i] for i in np.nonzero(is_unknown)[0]]),
        "unknown_auroc": unknown_auroc(is_unknown, predictions),
        "thresholds": {
            "unknown": round(classifier.thresholds.unknown, 4),
            "ask": round(classifier.thresholds.ask, 4),
        },
        "per_language": per_language,
        "per_intent": per_intent,
        "wrong": [
            [m.text, m.intent, p.intent, round(p.confidence, 3)]
            for m, p, ok in zip(messages, predictions, right, strict=True)
            if not ok
        ],
    }
    return result
