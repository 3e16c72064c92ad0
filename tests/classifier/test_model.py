from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from classifier.catalog import UNKNOWN_INTENT
from classifier.examples import shipped_examples, shipped_out_of_scope
from classifier.model import SklearnClassifier, Thresholds, combine_priority
from models import Prediction, Priority, TicketType

HERE = Path(__file__).parent
HIGH_OR_URGENT = {Priority.HIGH, Priority.URGENT}

# (message, intent or None for "any", type, allowed priorities or None for "any")
REQUIRED = [
    (
        "Nothing loads for anyone in our company since 10 minutes, the service is completely down!",
        None,
        TicketType.INCIDENT,
        HIGH_OR_URGENT,
    ),
    (
        "I need a seat for our new hire bob@example.org on the team workspace please.",
        "add_team_member",
        TicketType.SERVICE_REQUEST,
        None,
    ),
    (
        "Feature request: please let us schedule reports to be emailed every Monday.",
        None,
        TicketType.CHANGE_REQUEST,
        None,
    ),
    ("I need to reset my password, I can't remember it", "password_reset", None, None),
    (
        "The desktop app freezes and closes whenever I export a PDF.",
        "app_crash",
        TicketType.INCIDENT,
        None,
    ),
    ("Card payments keep failing at checkout with an error", "payment_error", None, None),
    ("Since noon your API answers 503 to every request we send", None, TicketType.INCIDENT, None),
    ("How do I get our invoices as PDF?", "invoice_copy", None, None),
    (
        "Everything is down, none of our users can log in at all!",
        None,
        TicketType.INCIDENT,
        HIGH_OR_URGENT,
    ),
    ("Orders fail with a server error when customers pay", None, TicketType.INCIDENT, None),
    ("The android app closes itself on the billing screen", None, TicketType.INCIDENT, None),
    ("Please add a CSV export to the customer list", None, TicketType.CHANGE_REQUEST, None),
    ("I forgot my password", "password_reset", None, None),
]


@pytest.mark.parametrize(("text", "intent", "ticket_type", "priorities"), REQUIRED)
def test_default_model_gets_the_required_messages_right(
    trained_classifier: SklearnClassifier,
    text: str,
    intent: str | None,
    ticket_type: TicketType | None,
    priorities: set[Priority] | None,
) -> None:
    p = trained_classifier.classify(text)
    if intent is not None:
        assert p.intent == intent
    if ticket_type is not None:
        assert p.type is ticket_type
    if priorities is not None:
        assert p.priority in priorities
    assert p.intent != UNKNOWN_INTENT


def _heldout() -> list[tuple[str, str]]:
    with open(HERE / "heldout_messages.csv", newline="") as fh:
        return [(r["text"], r["intent"]) for r in csv.DictReader(fh)]


def test_heldout_messages_are_not_training_data() -> None:
    training = {t.lower() for t, _ in shipped_examples()}
    assert not [t for t, _ in _heldout() if t.lower() in training]
    assert not {r[0].lower() for r in REQUIRED} & training


def test_accuracy_on_heldout_messages_written_for_the_tests(
    trained_classifier: SklearnClassifier,
) -> None:
    rows = _heldout()
    predictions = trained_classifier.classify_many([t for t, _ in rows])
    hits = sum(p.intent == label for p, (_, label) in zip(predictions, rows, strict=True))
    assert len(rows) >= 35
    assert hits / len(rows) >= 0.85, [
        (t, label, p.intent)
        for p, (t, label) in zip(predictions, rows, strict=True)
        if p.intent != label
    ]


def test_out_of_scope_messages_are_mostly_unknown(trained_classifier: SklearnClassifier) -> None:
    texts = [
        "What's the best recipe for lasagna?",
        "Who painted the Mona Lisa?",
        "Can you recommend a podcast?",
        "my dog ate my homework",
    ]
    assert not set(texts) & set(shipped_out_of_scope())
    unknown = [p.intent == UNKNOWN_INTENT for p in trained_classifier.classify_many(texts)]
    assert sum(unknown) >= 3


def test_prediction_carries_the_catalog_routing(trained_classifier: SklearnClassifier) -> None:
    p = trained_classifier.classify("please reset my password, I forgot it")
    assert isinstance(p, Prediction)
    assert (p.type, p.team, p.fulfiller) == (
        TicketType.SERVICE_REQUEST,
        "accounts",
        "password_reset",
    )
    assert 0.0 <= p.confidence <= 1.0
    assert len(p.alternatives) == 3
    assert all(name not in (p.intent, UNKNOWN_INTENT) for name, _ in p.alternatives)
    probs = [prob for _, prob in p.alternatives]
    assert probs == sorted(probs, reverse=True) and probs[0] <= p.confidence


def test_classify_many_matches_classify(trained_classifier: SklearnClassifier) -> None:
    texts = ["hi", "I forgot my password", "the site is down", "add a dark mode please"]
    assert trained_classifier.classify_many(texts) == [
        trained_classifier.classify(t) for t in texts
    ]
    assert trained_classifier.classify_many([]) == []


def test_below_the_unknown_threshold_the_intent_is_unknown_with_the_guesses_kept(
    trained_classifier: SklearnClassifier,
) -> None:
    strict = SklearnClassifier(
        trained_classifier.intent_pipeline,
        trained_classifier.priority_pipeline,
        trained_classifier.catalog,
        Thresholds(unknown=1.01, ask=1.01),
    )
    p = strict.classify("I forgot my password")
    fallback = trained_classifier.catalog.fallback
    assert (p.intent, p.type, p.team) == (UNKNOWN_INTENT, fallback.type, fallback.team)
    assert p.alternatives[0][0] == "password_reset"


def test_tuned_thresholds_are_ordered(trained_classifier: SklearnClassifier) -> None:
    t = trained_classifier.thresholds
    assert 0.0 < t.unknown <= t.ask <= 0.9


def test_urgency_cues_raise_and_calm_cues_lower_the_default_priority(
    trained_classifier: SklearnClassifier,
) -> None:
    calm = trained_classifier.classify(
        "No rush at all, whenever you have time: could you add a calendar view someday?"
    )
    loud = trained_classifier.classify(
        "URGENT: our whole team is blocked, none of us can log in and we lose money every hour"
    )
    plain = trained_classifier.classify("I can't log in to my account")
    assert calm.priority is Priority.LOW
    assert loud.priority in HIGH_OR_URGENT
    assert plain.priority is trained_classifier.catalog["login_failure"].priority


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("Login fails with error 500 for everyone", ("everyone affected",)),
        ("😡😡😡🔥💸", ("angry emoji",)),
        ("Die Anmeldung schlägt bei allen Nutzern fehl", ("everyone affected",)),
        ("Production down, please help ASAP", ("production down", "deadline")),
    ],
)
def test_the_wording_raises_the_priority_and_the_prediction_says_why(
    trained_classifier: SklearnClassifier, text: str, why: tuple[str, ...]
) -> None:
    prediction = trained_classifier.classify(text)
    assert (prediction.priority in HIGH_OR_URGENT, prediction.urgency) == (True, why)


@pytest.mark.parametrize(
    ("default", "cue", "confidence", "expected"),
    [
        (Priority.MEDIUM, Priority.URGENT, 0.9, Priority.URGENT),
        (Priority.HIGH, Priority.HIGH, 0.9, Priority.HIGH),
        (Priority.URGENT, Priority.HIGH, 0.9, Priority.URGENT),  # never lowered by a high cue
        (Priority.LOW, Priority.HIGH, 0.4, Priority.LOW),  # unsure cue: default stands
        (Priority.HIGH, Priority.LOW, 0.9, Priority.MEDIUM),  # calm cue: one step down only
        (Priority.LOW, Priority.LOW, 0.9, Priority.LOW),
        (Priority.HIGH, Priority.MEDIUM, 0.99, Priority.HIGH),  # medium means "no cue"
    ],
)
def test_combine_priority(
    default: Priority, cue: Priority, confidence: float, expected: Priority
) -> None:
    assert combine_priority(default, cue, confidence) is expected


def test_fast_probabilities_equal_the_pipelines_own(trained_classifier: SklearnClassifier) -> None:
    texts = ["I forgot my password", "everything is down", "hi", "a totally new sentence"]
    assert np.allclose(
        trained_classifier.intent_probabilities(texts),
        trained_classifier.intent_pipeline.predict_proba(texts),
    )
