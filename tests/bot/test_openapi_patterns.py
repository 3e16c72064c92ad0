"""The document's text patterns say what the server accepts: schemathesis sends what they
allow and expects it accepted (``tests/test_api_fuzz.py``). It found ``"\\x1d"``, which
passes ECMA-262's ``\\S`` and which the server strips as blank, and a macro's tags that the
server refuses."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from bot.openapi.common import NOT_BLANK
from bot.openapi.workspace import TAGS
from handoff.tags import parse_tags


def test_not_blank_is_what_python_strips_to_nothing_and_nothing_else() -> None:
    # spelt out: "\\s" means other characters to ECMA-262 (the document's dialect) than to
    # Python, so a class escape here would pass this check and still mislead the fuzzer
    assert "\\s" not in NOT_BLANK.lower()
    pattern = re.compile(NOT_BLANK)
    for char in map(chr, [*range(0x3001), 0x85, 0xFEFF, 0x10FFFF]):
        assert bool(pattern.search(char)) == bool(char.strip()), hex(ord(char))


@given(st.lists(st.from_regex(TAGS["items"]["pattern"], fullmatch=True), max_size=20))
def test_tags_the_document_allows_are_accepted(tags: list[str]) -> None:
    assert parse_tags(tags) == sorted({t.lower() for t in tags if t})
