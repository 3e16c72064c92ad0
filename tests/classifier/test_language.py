"""The language a customer writes in, told from short support messages (ISO 639-1)."""

from __future__ import annotations

import pytest

from classifier.language import detect_language


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("I forgot my password and can't log in", "en"),
        ("Ich habe mein Passwort vergessen", "de"),
        ("die Seite ist für alle down", "de"),
        ("j'ai oublié mon mot de passe", "fr"),
        ("on m'a débité deux fois", "fr"),
        ("olvidé mi contraseña", "es"),
        ("me cobraron dos veces", "es"),
        ("ho dimenticato la password", "it"),
    ],
)
def test_short_messages_get_their_language(text: str, language: str) -> None:
    assert detect_language(text) == language


@pytest.mark.parametrize("text", ["ok", "my pwd", "FD-1001", "😡😡😡🔥💸", "   ", "12345 678"])
def test_too_little_to_tell_gives_none(text: str) -> None:
    assert detect_language(text) is None
