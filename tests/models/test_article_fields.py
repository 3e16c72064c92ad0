"""A knowledge-base article's fields from an untrusted body (``models/articles.py``), without a
server: each field normalised, each limit's edge, the words of each refusal, and the article as
the API shows it. The knowledge-base API tests drive the same code over HTTP; these pin it where
mutation testing runs (docs/benchmarks.md)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from models import ValidationError
from models.articles import (
    FIELDS,
    MAX_BODY,
    MAX_TAGS,
    MAX_TITLE,
    Article,
    ArticleMatch,
    parse_article,
    parse_language,
)

ANY_OF = "send any of title, body, language, tags, intents, published, translation_of"


def refusal(body: Any, *, partial: bool = False) -> str:
    with pytest.raises(ValidationError) as refused:
        parse_article(body, partial=partial)
    return str(refused.value)


def test_a_new_article_needs_a_title_and_a_body_and_takes_the_rest_normalised() -> None:
    assert parse_article({"title": " Reset your password ", "body": "Go to *Settings*."}) == {
        "title": "Reset your password",
        "body": "Go to *Settings*.",
    }
    full = {
        "title": "T" * MAX_TITLE,
        "body": "B" * MAX_BODY,
        "language": " DE ",
        "tags": "Login, password  login",
        "intents": ["password_reset", "Login-Failure"],
        "published": True,
        "translation_of": "12",
    }
    assert parse_article(full) == {
        "title": "T" * MAX_TITLE,
        "body": "B" * MAX_BODY,
        "language": "de",
        "tags": ("login", "password"),
        "intents": ("password_reset", "login-failure"),
        "published": True,
        "translation_of": 12,
    }
    assert parse_article({"translation_of": None, "tags": None}, partial=True) == {
        "translation_of": None,
        "tags": (),
    }
    assert parse_article({"published": False}, partial=True) == {"published": False}
    with pytest.raises(ValidationError, match='"body" must be a non-empty string'):
        parse_article({"title": "A new article needs a body"})  # not partial by default
    assert parse_article({"tags": ["w"] * MAX_TAGS}, partial=True) == {"tags": ("w",)}


@pytest.mark.parametrize(
    ("body", "partial", "why"),
    [
        (["title"], False, "the body must be a JSON object"),
        ({"title": "T", "body": "B", "author": "x", "id": 1}, False,
         f"unknown field 'author'; {ANY_OF}"),
        ({}, True, ANY_OF),
        ({"body": "B"}, False, '"title" must be a non-empty string'),
        ({"title": " ", "body": "B"}, False, '"title" must be a non-empty string'),
        ({"title": "T", "body": 3}, False, '"body" must be a non-empty string'),
        ({"title": "T" * (MAX_TITLE + 1)}, True, '"title" is longer than 200 characters'),
        ({"body": "B" * (MAX_BODY + 1)}, True, '"body" is longer than 50,000 characters'),
        ({"title": "a\x00b"}, True, '"title" contains a NUL character, which cannot be stored'),
        ({"tags": ["w"] * (MAX_TAGS + 1)}, True, '"tags" must be a list of at most 20 words'),
        ({"intents": {"a": 1}}, True, '"intents" must be a list of at most 20 words'),
        ({"tags": ["ok", "not ok"]}, True,
         '"tags": \'not ok\' is not a word (a-z, 0-9, "-" and "_")'),
        ({"tags": [7]}, True, '"tags": \'7\' is not a word (a-z, 0-9, "-" and "_")'),
        ({"tags": ["ünïcode"]}, True,
         '"tags": \'ünïcode\' is not a word (a-z, 0-9, "-" and "_")'),
        ({"tags": ["w" * 65]}, True,
         f'"tags": {"w" * 40!r} is not a word (a-z, 0-9, "-" and "_")'),
        ({"published": "yes"}, True, '"published" must be true or false'),
        ({"translation_of": 0}, True,
         '"translation_of" must be an id between 1 and 9223372036854775807'),
    ],
)  # fmt: skip
def test_a_refused_field_says_why(body: Any, partial: bool, why: str) -> None:
    assert refusal(body, partial=partial) == why


@pytest.mark.parametrize("code", ["english", "e", "1a", "\u212aa", "", None, 12])
def test_a_language_is_a_two_letter_ascii_code(code: Any) -> None:
    with pytest.raises(ValidationError) as refused:
        parse_language(code)
    assert str(refused.value) == '"language" must be a two-letter code such as "en" or "fr"'


def test_an_article_as_the_api_and_the_bot_show_it() -> None:
    created = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    original = Article(7, "Reset", "Body", tags=("login",), published=True, created_at=created)
    translation = Article(9, "Zurücksetzen", "Text", "de", translation_of=7, author="agent:1")
    assert (original.family, translation.family) == (7, 7)
    assert original.as_json() == {
        "id": 7,
        "title": "Reset",
        "body": "Body",
        "language": "en",
        "tags": ["login"],
        "intents": [],
        "published": True,
        "author": None,
        "translation_of": None,
        "created_at": "2026-03-02T09:00:00+00:00",
        "updated_at": None,
        "url": "/help/articles/7",
    }
    edited = Article(
        7, "Reset", "Body", created_at=created, updated_at=created + timedelta(hours=1)
    )
    assert edited.as_json()["updated_at"] == "2026-03-02T10:00:00+00:00"
    shown = translation.as_json()
    assert (shown["language"], shown["author"], shown["translation_of"]) == ("de", "agent:1", 7)
    assert set(shown) == {*FIELDS, "id", "author", "created_at", "updated_at", "url"}
    assert ArticleMatch(9, "Zurücksetzen", "de", "Text", 0.8).url_path == "/help/articles/9"
