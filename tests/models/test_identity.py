"""Reading a customer's answer to "what name and email should we use?" and the organisation an
agent sees: an answer is taken only when it clearly is one, so a customer who goes on about the
problem is never renamed "Still Broken"."""

from __future__ import annotations

import pytest

from models.identity import IdentityAnswer, known_name, organisation, read_identity


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("Ann Lee, ann@acme.com", IdentityAnswer("Ann Lee", "ann@acme.com")),
        ("my name is ann", IdentityAnswer("Ann")),
        ("I'm Bob and my email is Bob@X.io", IdentityAnswer("Bob", "bob@x.io")),
        ("ann@gmail.com", IdentityAnswer(None, "ann@gmail.com")),
        ("Name: Zoë O'Neil", IdentityAnswer("Zoë O'Neil")),
        ("Skip", IdentityAnswer(skipped=True)),
        ("no thanks!", IdentityAnswer(skipped=True)),
        ("überspringen", IdentityAnswer(skipped=True)),
        ("Still broken", IdentityAnswer()),
        ("Hello", IdentityAnswer()),
        ("It still crashes when I export the report", IdentityAnswer()),
        ("Version 4.2", IdentityAnswer()),
    ],
)
def test_an_answer_is_read_only_when_it_clearly_is_one(text: str, answer: IdentityAnswer) -> None:
    assert read_identity(text) == answer
    assert read_identity(text).answered is (answer != IdentityAnswer())


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        # a bare name and address, as a form would have it
        ("Ann Smith, ann@x.com", IdentityAnswer("Ann Smith", "ann@x.com")),
        ("I'm Ann", IdentityAnswer("Ann")),
        ("i'm waiting", IdentityAnswer()),  # "I'm" starts other sentences: capitals needed
        # German
        ("ich heiße anna schmidt", IdentityAnswer("Anna Schmidt")),
        ("Hallo, ich heisse Jonas", IdentityAnswer("Jonas")),
        (
            "Mein Name ist Jürgen und meine E-Mail ist J@Firma.de",
            IdentityAnswer("Jürgen", "j@firma.de"),
        ),
        ("Ich bin Lea", IdentityAnswer("Lea")),
        ("ich bin sauer", IdentityAnswer()),
        ("Das Problem besteht weiterhin", IdentityAnswer()),
        ("nein danke", IdentityAnswer(skipped=True)),
        # French
        ("je m'appelle marie dupont", IdentityAnswer("Marie Dupont")),
        ("Je m\u2019appelle Élodie", IdentityAnswer("Élodie")),  # the typographic apostrophe
        ("Bonjour, je suis Marie", IdentityAnswer("Marie")),
        ("mon nom est Luc et mon mail est luc@boite.fr", IdentityAnswer("Luc", "luc@boite.fr")),
        ("je suis bloqué", IdentityAnswer()),
        ("Le problème persiste toujours", IdentityAnswer()),
        ("non merci", IdentityAnswer(skipped=True)),
        # Spanish
        ("me llamo josé garcía", IdentityAnswer("José García")),
        ("Hola, soy María de la Cruz", IdentityAnswer("María de la Cruz")),
        (
            "Ana García y mi correo es ana@empresa.es",
            IdentityAnswer("Ana García", "ana@empresa.es"),
        ),
        ("mi nombre es lucía", IdentityAnswer("Lucía")),
        ("soy cliente", IdentityAnswer()),
        ("Sigue sin funcionar", IdentityAnswer()),
        ("no gracias", IdentityAnswer(skipped=True)),
    ],
)
def test_names_are_read_in_german_french_and_spanish_too(text: str, answer: IdentityAnswer) -> None:
    assert read_identity(text) == answer


def test_the_organisation_is_the_email_domain_unless_free_mail() -> None:
    assert organisation("ann@Acme-Tools.IO") == "acme-tools.io"
    assert organisation("bo@gmail.com") is None
    assert organisation("bo@example.com") is None
    assert organisation(None) is None and organisation("nonsense") is None


def test_web_chats_placeholder_is_no_name() -> None:
    assert not known_name("Web visitor") and not known_name("")
    assert known_name("Ada Lovelace")
