"""Knowledge-base articles: what the bot answers how-to questions from, and the help centre shows.

An article is Markdown written by admins and managers (over the agent API, or imported from a
folder of Markdown files with front matter). Articles in several languages that say the same
thing are one *family*: each translation names the article it translates (``translation_of``),
so the bot can answer in the customer's language and fall back to the original (English).

:func:`parse_article` reads an untrusted body (the API's JSON, a file's front matter) into
checked fields, so the store never sees a value it cannot hold.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .errors import ValidationError
from .inputs import clean_text, parse_row_id

MAX_TITLE, MAX_BODY, MAX_TAGS, MAX_TAG = 200, 50_000, 20, 64
FIELDS = ("title", "body", "language", "tags", "intents", "published", "translation_of")
LANGUAGE = re.compile(r"^[a-z]{2}$")
WORD = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
DEFAULT_LANGUAGE = "en"


@dataclass
class Article:
    """One help-centre article (``body`` is Markdown; rendered inert, see service/article_text)."""

    id: int
    title: str
    body: str
    language: str = DEFAULT_LANGUAGE
    tags: tuple[str, ...] = ()
    intents: tuple[str, ...] = ()
    published: bool = False
    author: str | None = None
    translation_of: int | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def family(self) -> int:
        """The id shared by an article and its translations (the original's)."""
        return self.translation_of or self.id

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "body": self.body,
            "language": self.language,
            "tags": list(self.tags),
            "intents": list(self.intents),
            "published": self.published,
            "author": self.author,
            "translation_of": self.translation_of,
            "created_at": self.created_at.isoformat() if self.created_at else None,
            "updated_at": self.updated_at.isoformat() if self.updated_at else None,
            "url": f"/help/articles/{self.id}",
        }


@dataclass(frozen=True, slots=True)
class ArticleMatch:
    """The article the bot offers for a customer's question, and the words it quotes."""

    article_id: int
    title: str
    language: str
    answer: str
    score: float

    @property
    def url_path(self) -> str:
        return f"/help/articles/{self.article_id}"


def _text(value: Any, name: str, limit: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(f'"{name}" must be a non-empty string')
    if len(value) > limit:
        raise ValidationError(f'"{name}" is longer than {limit:,} characters')
    return clean_text(value.strip(), f'"{name}"')


def _words(value: Any, name: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [w for w in re.split(r"[,\s]+", value) if w]
    if not isinstance(value, list | tuple) or len(value) > MAX_TAGS:
        raise ValidationError(f'"{name}" must be a list of at most {MAX_TAGS} words')
    out: list[str] = []
    for item in value:
        word = item.strip().lower() if isinstance(item, str) else None
        if word is None or not word.isascii() or not WORD.match(word):
            raise ValidationError(
                f'"{name}": {str(item)[:40]!r} is not a word (a-z, 0-9, "-" and "_")'
            )
        if word not in out:
            out.append(word)
    return tuple(out)


def parse_language(value: Any) -> str:
    code = value.strip() if isinstance(value, str) else ""
    if not code.isascii() or not LANGUAGE.match(code.lower()):  # ASCII: "\u212a".lower() is "k"
        raise ValidationError('"language" must be a two-letter code such as "en" or "fr"')
    return code.lower()


def parse_article(body: Mapping[str, Any], *, partial: bool = False) -> dict[str, Any]:
    """The checked fields of ``body``; without ``partial``, title and body are required."""
    if not isinstance(body, Mapping):
        raise ValidationError("the body must be a JSON object")
    unknown = sorted(set(body) - set(FIELDS))
    if unknown:
        raise ValidationError(f"unknown field {unknown[0]!r}; send any of {', '.join(FIELDS)}")
    if partial and not body:
        raise ValidationError(f"send any of {', '.join(FIELDS)}")
    out: dict[str, Any] = {}
    for name, limit in (("title", MAX_TITLE), ("body", MAX_BODY)):
        if name in body or not partial:
            out[name] = _text(body.get(name), name, limit)
    if "language" in body:
        out["language"] = parse_language(body["language"])
    for name in ("tags", "intents"):
        if name in body:
            out[name] = _words(body[name], name)
    if "published" in body:
        if not isinstance(body["published"], bool):
            raise ValidationError('"published" must be true or false')
        out["published"] = body["published"]
    if "translation_of" in body:
        given = body["translation_of"]
        out["translation_of"] = None if given is None else parse_row_id(given, '"translation_of"')
    return out
