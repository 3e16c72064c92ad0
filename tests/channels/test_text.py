"""Splitting long texts (properties over arbitrary text, and a few readable cases); signing an
agent's words with their name."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.channels.text import signed, split_text, utf16_len

texts = st.text(
    alphabet=st.sampled_from(["a", "b", "é", "😀", " ", "\n", "\t", "\u3000"]) | st.characters(),
    max_size=300,
)


def assert_is_split_of(parts: list[str], text: str) -> None:
    """``text`` is ``ws part ws part ... ws`` where each ``ws`` is whitespace (maybe empty)."""
    position = 0
    for part in parts:
        assert part, "empty part"
        found = text.find(part, position)
        assert found >= 0, f"{part!r} is not next in the text"
        assert not text[position:found].strip(), "characters were dropped"
        position = found + len(part)
    assert not text[position:].strip(), "the end was dropped"


@given(texts, st.integers(min_value=1, max_value=40))
def test_parts_fit_and_keep_every_character_in_order(text: str, limit: int) -> None:
    parts = split_text(text, limit)
    if len(text) <= limit:
        assert parts == [text]
        return
    assert all(len(part) <= limit for part in parts)
    assert all(part.strip() for part in parts)
    assert_is_split_of(parts, text)


@given(texts, st.integers(min_value=2, max_value=40))
def test_utf16_measure(text: str, limit: int) -> None:
    parts = split_text(text, limit, measure=utf16_len)
    if utf16_len(text) > limit:
        assert all(utf16_len(part) <= limit for part in parts)
        assert_is_split_of(parts, text)


@given(
    st.lists(st.text(alphabet="abcdefgh", min_size=1, max_size=12), min_size=1, max_size=40),
    st.integers(min_value=12, max_value=60),
)
def test_words_no_longer_than_the_limit_are_never_cut(words: list[str], limit: int) -> None:
    parts = split_text(" ".join(words), limit)
    assert [word for part in parts for word in part.split(" ")] == words


def test_prefers_a_line_break() -> None:
    text = "First paragraph here.\nSecond one is a bit longer."
    assert split_text(text, 30) == ["First paragraph here.", "Second one is a bit longer."]


def test_cuts_only_words_longer_than_the_limit() -> None:
    assert split_text("ab " + "x" * 12 + " cd", 5) == ["ab", "xxxxx", "xxxxx", "xx cd"]


def test_limit_must_be_positive() -> None:
    with pytest.raises(ValueError, match="limit"):
        split_text("abc", 0)


def test_an_agents_words_are_signed_with_their_name_and_nothing_else_is() -> None:
    agent = {"sender": "agent", "agent": "Ann  Lee"}
    assert signed("On it.", agent) == "Ann Lee: On it."
    assert signed("Hello!", {"sender": "bot"}) == "Hello!"
    assert signed("ann joined the conversation.", {"sender": "system"}).startswith("ann joined")
    assert signed("On it.", {"sender": "agent"}) == "On it."  # no name known: as written
    assert signed("", agent) == ""  # a file without words stays without words
