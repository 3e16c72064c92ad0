"""An article's Markdown as safe HTML (the help centre) and as plain text (the bot's answer).

Rendered by markdown-it-py (CommonMark) with raw HTML **off**: ``<script>`` or ``<img onerror>``
in a body is shown as text, never parsed. Links and images are kept only with a scheme we trust
(``http``, ``https``, ``mailto``, or a relative URL): ``javascript:``, ``data:``, ``vbscript:``
and the rest (also when disguised with case, entities or control characters, which markdown-it
normalises first) become plain text. Every link opens with ``rel="nofollow noopener noreferrer"``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token

SAFE_SCHEMES = ("http", "https", "mailto")
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")
_SPACES = re.compile(r"\s+")
SUMMARY_CHARS = 400


def link_allowed(url: str) -> bool:
    """Whether ``url`` (as markdown-it normalised it) may become an ``href``/``src``."""
    cleaned = "".join(ch for ch in url if ch.isprintable() and not ch.isspace())
    found = _SCHEME.match(cleaned)
    return found is None or found.group(1).lower() in SAFE_SCHEMES


def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.validateLink = link_allowed  # type: ignore[method-assign]
    md.enable("table")

    def link_open(renderer: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
        tokens[idx].attrSet("rel", "nofollow noopener noreferrer")
        return str(renderer.renderToken(tokens, idx, options, env))

    md.add_render_rule("link_open", link_open)
    return md


_MD = _markdown()


def to_html(body: str) -> str:
    """The article as HTML that runs nothing (see the module's docstring)."""
    return _MD.render(body)


@dataclass(frozen=True, slots=True)
class Section:
    """A part of an article under one heading (``heading`` empty for the text before any)."""

    heading: str
    text: str


def _inline_text(token: Token) -> str:
    parts: list[str] = []
    for child in token.children or ():
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return "".join(parts)


def sections(body: str) -> list[Section]:
    """The article's text, block by block as plain text, grouped under its headings."""
    out: list[Section] = []
    heading, blocks = "", list[str]()
    in_heading = False
    for token in _MD.parse(body):
        if token.type == "heading_open":
            if blocks:
                out.append(Section(heading, "\n".join(blocks)))
            heading, blocks, in_heading = "", [], True
        elif token.type == "heading_close":
            in_heading = False
        elif token.type == "inline":
            text = _SPACES.sub(" ", _inline_text(token)).strip()
            if in_heading:
                heading = text
            elif text:
                blocks.append(text)
        elif token.type in ("fence", "code_block") and token.content.strip():
            blocks.append(token.content.strip())
    if blocks or heading:
        out.append(Section(heading, "\n".join(blocks)))
    return out


def plain_text(body: str) -> str:
    """All of the article's words, without Markdown (what retrieval indexes)."""
    return "\n".join(
        f"{s.heading}\n{s.text}" if s.heading else s.text for s in sections(body)
    ).strip()


def summary(body: str, limit: int = SUMMARY_CHARS) -> str:
    """The first paragraphs of the article as plain text, cut at a sentence near ``limit``."""
    text = " ".join(s.text.replace("\n", " ") for s in sections(body) if s.text).strip()
    if len(text) <= limit:
        return text
    cut = text[:limit]
    end = max(cut.rfind(". "), cut.rfind("! "), cut.rfind("? "))
    return cut[: end + 1] if end > limit // 3 else cut.rstrip() + "…"
