"""How urgent a message sounds (classifier/urgency.py): cues in four languages, as a table of
(message, the intent's default priority, the priority it gets, the reasons named)."""

from __future__ import annotations

import pytest

from classifier.urgency import read_urgency
from models import Priority

LOW, MEDIUM, HIGH, URGENT = Priority.LOW, Priority.MEDIUM, Priority.HIGH, Priority.URGENT

# (message, intent's default, priority after the wording, reasons)
TABLE = [
    # many people affected
    ("Login fails with error 500 for everyone", MEDIUM, HIGH, ("everyone affected",)),
    ("The export is broken for all our users", MEDIUM, HIGH, ("everyone affected",)),
    ("Nobody can log in since this morning", MEDIUM, HIGH, ("everyone affected",)),
    ("Die Anmeldung schlägt bei allen Nutzern fehl", MEDIUM, HIGH, ("everyone affected",)),
    ("Alle unsere Kunden sehen eine leere Seite", MEDIUM, HIGH, ("everyone affected",)),
    ("La connexion échoue pour tout le monde", MEDIUM, HIGH, ("everyone affected",)),
    ("Personne ne peut se connecter", MEDIUM, HIGH, ("everyone affected",)),
    ("El inicio de sesión falla para todos", MEDIUM, HIGH, ("everyone affected",)),
    ("Nadie puede entrar en la aplicación", MEDIUM, HIGH, ("everyone affected",)),
    # production down
    ("Production down, nothing loads", HIGH, URGENT, ("production down",)),
    ("our site is down", MEDIUM, URGENT, ("production down",)),
    ("Produktion steht, nichts geht mehr", HIGH, URGENT, ("production down",)),
    ("La production est en panne", MEDIUM, URGENT, ("production down",)),
    ("La producción está caída", MEDIUM, URGENT, ("production down",)),
    # a deadline
    ("Please reset my password ASAP", MEDIUM, HIGH, ("deadline",)),
    ("Bitte dringend das Passwort zurücksetzen", MEDIUM, HIGH, ("deadline",)),
    ("Réinitialisez mon mot de passe au plus vite", MEDIUM, HIGH, ("deadline",)),
    ("Necesito mi factura cuanto antes", LOW, HIGH, ("deadline",)),
    # two cues at once
    ("Login broken for everyone, fix it ASAP", MEDIUM, URGENT, ("everyone affected", "deadline")),
    # anger: one kind raises one step, two kinds at least high
    ("This is unacceptable, my invoice is wrong", LOW, MEDIUM, ("angry words",)),
    ("Where is my invoice???!!!", LOW, MEDIUM, ("exclamation marks",)),
    ("WHY DOES THE EXPORT NEVER WORK", MEDIUM, HIGH, ("capitals",)),
    ("Das ist eine Frechheit, die Rechnung stimmt nicht", LOW, MEDIUM, ("angry words",)),
    ("C'est inadmissible, encore une erreur", LOW, MEDIUM, ("angry words",)),
    ("Esto es indignante, otra vez el mismo error", LOW, MEDIUM, ("angry words",)),
    ("😡😡😡🔥💸", MEDIUM, HIGH, ("angry emoji",)),
    ("ridiculous!!! charged again", MEDIUM, HIGH, ("angry words", "exclamation marks")),
    ("😡 the app crashed", MEDIUM, HIGH, ("angry emoji",)),
    ("😡 the app crashed", LOW, MEDIUM, ("angry emoji",)),
    # anger never lifts past high by itself; cues never lower
    ("THE WORST SERVICE EVER!!!", HIGH, HIGH, ("angry words", "capitals", "exclamation marks")),
    ("Production down", URGENT, URGENT, ("production down",)),
    ("Is the site down for everyone or just me?", HIGH, HIGH, ("everyone affected",)),
    ("Please revoke her access immediately", MEDIUM, HIGH, ("deadline",)),
    ("Bitte den Zugang sofort sperren", MEDIUM, HIGH, ("deadline",)),
    # no cue: many people but nothing fails, "now" words that tell how something behaves
    ("We want to enforce SSO for everyone in the company", LOW, LOW, ()),
    ("How do I export all our users to a CSV?", LOW, LOW, ()),
    ("The Android app closes immediately after it starts", MEDIUM, MEDIUM, ()),
    ("Cancel my subscription, effective immediately", LOW, LOW, ()),
    ("Die App schließt sich sofort nach dem Start", MEDIUM, MEDIUM, ()),
    # no cue
    ("No rush, but could you add a dark mode?", LOW, LOW, ()),
    ("Not urgent: the logo looks blurry", LOW, LOW, ()),
    ("Das ist nicht dringend, nur eine Frage", LOW, LOW, ()),
    ("Ce n'est pas urgent", LOW, LOW, ()),
    ("No es urgente", LOW, LOW, ()),
    ("Thanks everyone, this is great", LOW, LOW, ()),
    ("How do I invite a colleague?", LOW, LOW, ()),
    ("Our SSO via SAML and SCIM API is set up, what next?", LOW, LOW, ()),
    ("My API key FD-1001 stopped working", MEDIUM, MEDIUM, ()),
    ("Ich möchte für alle Fälle eine Kopie der Rechnung", LOW, LOW, ()),
]  # fmt: skip


@pytest.mark.parametrize(("text", "default", "expected", "reasons"), TABLE)
def test_the_wording_raises_the_intents_priority(
    text: str, default: Priority, expected: Priority, reasons: tuple[str, ...]
) -> None:
    urgency = read_urgency(text)
    assert (urgency.applied_to(default), urgency.reasons) == (expected, reasons)
