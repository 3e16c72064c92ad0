"""Messages the first shipped model misread, each played against the default trained model.

They were found by trying the front desk as a new user would, with wording the training data
was not written from; none of them is a training example (the data teaches the wording, not the
sentence). Each must get the right intent, acting without asking; where a message is honestly
ambiguous, a clarifying question that offers the right intent is right too.
"""

from __future__ import annotations

import pytest

from classifier.clarify import clarify
from classifier.examples import shipped_examples
from classifier.model import SklearnClassifier
from models import Priority

HIGH_OR_URGENT = (Priority.HIGH, Priority.URGENT)

# (message, the right intents, whether asking first is right too)
MISREAD = [
    ("can you help me restore the pass of my profile?", {"password_reset"}, False),
    ("I try to recover the PIN of my profile", {"password_reset"}, False),
    ("I try to retrieve the access key of my user", {"password_reset"}, True),
    ("problem with the forgotten PIN", {"password_reset"}, False),
    ("wanna restore the key of my account", {"password_reset"}, False),
    ("Please add SAML support", {"sso_setup", "feature_request"}, True),
    ("😡😡😡🔥💸", {"complaint", "charged_twice", "refund_request"}, True),
    ("thanks a lot!", {"thanks"}, False),
    ("Login fails with error 500 for everyone", {"login_failure", "system_downtime"}, False),
    ("Ich kann mich nicht mehr anmelden", {"login_failure"}, False),
    ("Ich habe mein Passwort vergessen", {"password_reset"}, False),
    ("Je n'arrive plus à me connecter à mon compte", {"login_failure"}, False),
    ("J'ai oublié mon mot de passe", {"password_reset"}, False),
    ("Le service est en panne depuis ce matin", {"system_downtime"}, False),
    ("Der Dienst ist seit heute Morgen nicht erreichbar", {"system_downtime"}, False),
    ("Ich wurde für mein Abo zweimal belastet", {"charged_twice"}, False),
]  # fmt: skip


@pytest.mark.parametrize(("text", "right", "may_ask"), MISREAD)
def test_a_message_the_first_model_misread_gets_the_right_answer(
    trained_classifier: SklearnClassifier, text: str, right: set[str], may_ask: bool
) -> None:
    prediction = trained_classifier.classify(text)
    question = clarify(prediction, trained_classifier.catalog, trained_classifier.thresholds.ask)
    offered = {o.intent for o in question.options}
    answer = (prediction.intent, prediction.confidence, sorted(offered))
    if question.ask and may_ask:
        assert offered & right, answer
    else:
        assert not question.ask and prediction.intent in right, answer


def test_none_of_them_is_a_training_example() -> None:
    # a phrase of three words or fewer ("thanks a lot!") is bound to be written as an example
    trained = {text.casefold().strip() for text, _ in shipped_examples()}
    longer = [text for text, _, _ in MISREAD if len(text.split()) > 3]
    assert [text for text in longer if text.casefold().strip() in trained] == []


@pytest.mark.parametrize(
    "text",
    ["Login fails with error 500 for everyone", "😡😡😡🔥💸", "Ich wurde zweimal belastet!!!"],
)
def test_the_angry_and_the_widespread_come_in_above_medium(
    trained_classifier: SklearnClassifier, text: str
) -> None:
    assert trained_classifier.classify(text).priority in HIGH_OR_URGENT
