"""The customers'-words set stays held out, is shaped as issue 16 asks, and is scored right."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest

from classifier.catalog import DATA_DIR, UNKNOWN_INTENT, load_catalog
from classifier.customers_words import (
    CUSTOMERS_WORDS_CSV,
    CustomerMessage,
    customers_words,
    evaluate_customers_words,
    expected_calibration_error,
    normalised,
)
from classifier.examples import (
    shipped_examples,
    shipped_out_of_scope,
    shipped_priority_examples,
)
from classifier.model import SklearnClassifier
from classifier.registry import ModelRegistry
from classifier.training import gather_training_rows
from models import Priority, TicketType

LANGUAGES = {"en", "de", "fr", "es"}
CLASSIFIER_SOURCES = Path(CUSTOMERS_WORDS_CSV).parent.parent


def _every_other_data_file_text() -> set[str]:
    """Every text column of every other CSV shipped beside the set (subfolders included),
    whatever reads it."""
    texts: set[str] = set()
    for path in sorted(DATA_DIR.rglob("*.csv")):
        if path == CUSTOMERS_WORDS_CSV:
            continue
        with open(path, newline="", encoding="utf-8") as fh:
            texts.update(row["text"] for row in csv.DictReader(fh) if row.get("text"))
    return texts


def test_no_customers_words_text_is_in_any_training_data(tmp_path: Path) -> None:
    training = {t for t, _ in gather_training_rows(ModelRegistry(tmp_path), [], load_catalog())}
    training |= {t for t, _ in shipped_examples()} | {t for t, _ in shipped_priority_examples()}
    training |= set(shipped_out_of_scope()) | _every_other_data_file_text()
    seen = {normalised(t) for t in training}
    leaked = [m.text for m in customers_words() if normalised(m.text) in seen]
    assert leaked == []


def test_only_the_evaluation_module_names_the_file() -> None:
    readers = [
        p.name
        for p in CLASSIFIER_SOURCES.glob("*.py")
        if "customers_words.csv" in p.read_text("utf-8")
    ]
    assert readers == ["customers_words.py"]


def test_normalised_ignores_case_accents_punctuation_and_spacing() -> None:
    assert normalised("  Passwort VERGESSEN!! ") == normalised("passwort vergessen")
    assert normalised("¿Olvidé mi contraseña?") == "olvide mi contrasena"
    assert normalised("reset") != normalised("resets")


def test_the_set_covers_every_intent_in_four_languages() -> None:
    rows = customers_words()
    in_scope = [m for m in rows if m.intent != UNKNOWN_INTENT]
    per = Counter((m.intent, m.language) for m in in_scope)
    intents = {m.intent for m in in_scope}
    assert len(intents) >= 35
    for intent in intents:
        assert 8 <= per[intent, "en"] <= 12, intent
        for lang in ("de", "fr", "es"):
            assert per[intent, lang] >= 3, (intent, lang)
    assert {m.language for m in rows} == LANGUAGES
    assert {m.type for m in rows if m.type} <= {t.value for t in TicketType}
    assert {m.priority for m in rows if m.priority} <= {p.value for p in Priority}
    assert len({normalised(m.text) for m in rows}) == len(rows)
    assert Counter(m.language for m in rows if m.intent == UNKNOWN_INTENT).keys() == LANGUAGES


def test_expected_calibration_error() -> None:
    assert expected_calibration_error([0.95, 0.95], [True, True]) == pytest.approx(0.05)
    # Two bins: 0.3 (right 0 of 1) and 0.85 (right 1 of 2): (0.3 * 1 + 0.35 * 2) / 3.
    got = expected_calibration_error([0.3, 0.85, 0.85], [False, True, False])
    assert got == pytest.approx((0.3 + 0.35 * 2) / 3)
    assert expected_calibration_error([], []) == 0.0


def test_evaluation_reports_intents_the_catalog_does_not_know(
    trained_classifier: SklearnClassifier,
) -> None:
    messages = [
        CustomerMessage("I forgot my password, please send a reset link", "password_reset", "en"),
        CustomerMessage("the whole service is down for everyone", "system_downtime", "en"),
        CustomerMessage("please add a dark mode one day", "an_intent_nobody_trained", "en"),
        CustomerMessage("what will the weather be in Oslo tomorrow?", UNKNOWN_INTENT, "en"),
    ]
    result = evaluate_customers_words(trained_classifier, messages)
    assert result["n"] == 4 and result["n_in_scope"] == 3
    assert result["unknown_to_catalog"] == {"an_intent_nobody_trained": 1}
    assert result["per_intent"]["an_intent_nobody_trained"] == {
        "n": 1,
        "top1": 0.0,
        "known": False,
    }
    assert result["top1"] == pytest.approx(2 / 3, abs=1e-4)
    assert result["top1_known"] == 1.0
    assert result["per_language"] == {"en": {"n": 3, "top1": pytest.approx(2 / 3, abs=1e-4)}}
    wrong = {expected for _, expected, _, _ in result["wrong"]}
    assert "an_intent_nobody_trained" in wrong
    acted_wrong = result["confident_wrong_rate"]
    assert acted_wrong is not None and 0.0 <= acted_wrong <= 1.0
    assert 0.0 <= result["ece"] <= 1.0
