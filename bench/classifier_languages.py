"""German, French and Spanish requests through each intent model trained on the shipped data.

    .venv/bin/python bench/classifier_languages.py      # one line per model kind installed

The messages were written for this check (the shipped training data is English); they are a
smoke test of cross-lingual understanding, not a benchmark.
"""

from __future__ import annotations

import os

from classifier.ensemble import MODEL_KINDS, kind_available
from classifier.model import train_default_classifier

MESSAGES = [
    ("Ich habe mein Passwort vergessen", "password_reset"),
    ("J'ai oublié mon mot de passe", "password_reset"),
    ("Olvidé mi contraseña", "password_reset"),
    ("Die Seite ist komplett down, nichts lädt", "system_downtime"),
    ("Le site ne répond plus depuis une heure", "system_downtime"),
    ("La aplicación no funciona, el servicio está caído", "system_downtime"),
    ("Meine Kreditkarte wurde abgelehnt, die Zahlung schlägt fehl", "payment_error"),
    ("Le paiement par carte échoue", "payment_error"),
    ("El pago con tarjeta falla", "payment_error"),
    ("Wo finde ich meine Rechnung?", "invoice_copy"),
    ("Où trouver ma facture ?", "invoice_copy"),
    ("¿Dónde está mi factura?", "invoice_copy"),
]


def main() -> None:
    for kind in MODEL_KINDS:
        if not kind_available(kind):
            print(f"{kind}: not installed")
            continue
        os.environ["FRONTDESK_CLASSIFIER_MODEL"] = kind
        predictions = train_default_classifier().classify_many([m for m, _ in MESSAGES])
        right = sum(p.intent == want for p, (_, want) in zip(predictions, MESSAGES, strict=True))
        wrong = [
            f"{text!r} -> {p.intent}"
            for p, (text, want) in zip(predictions, MESSAGES, strict=True)
            if p.intent != want
        ]
        print(f"{kind}: {right}/{len(MESSAGES)} right; wrong: {'; '.join(wrong) or 'none'}")


if __name__ == "__main__":
    main()
