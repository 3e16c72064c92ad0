"""What a refused input is told (the ``{"error"}`` of a 400), and each limit's exact edge
(``models/inputs.py``). Written for what mutation testing found unpinned by the property tests
in ``test_inputs.py``, which check that bad input is refused, not what the refusal says."""

from __future__ import annotations

import pytest

from models import ValidationError
from models.inputs import (
    INT64_MAX,
    MAX_INT_DIGITS,
    MAX_JSON_DEPTH,
    bounded_int,
    clean_text,
    parse_json,
    parse_row_id,
)


def refusal(call: object, *args: object, **kwargs: object) -> str:
    assert callable(call)
    with pytest.raises(ValidationError) as refused:
        call(*args, **kwargs)
    return str(refused.value)


def test_text_that_cannot_be_stored_is_named_and_the_reason_said() -> None:
    assert refusal(clean_text, "a\x00b") == (
        "the text contains a NUL character, which cannot be stored"
    )
    assert refusal(clean_text, "a\ud800b", "the email") == (
        "the email contains a lone UTF-16 surrogate, which cannot be stored"
    )
    assert refusal(parse_json, '{"text": "a\\u0000"}') == (
        "a string in the body contains a NUL character, which cannot be stored"
    )
    assert refusal(parse_json, '{"a\\ud800": 1}') == (
        "a key in the body contains a lone UTF-16 surrogate, which cannot be stored"
    )


def test_numbers_json_cannot_hold_are_refused_with_the_reason() -> None:
    too_large = "a number in the body is too large"
    assert refusal(parse_json, "[1e999]") == too_large
    assert refusal(parse_json, "[-1e999]") == too_large
    assert refusal(parse_json, "[" + "9" * (MAX_INT_DIGITS + 1) + "]") == too_large
    assert parse_json("[" + "9" * MAX_INT_DIGITS + "]") == [int("9" * MAX_INT_DIGITS)]
    assert parse_json("[-" + "9" * MAX_INT_DIGITS + "]") == [-int("9" * MAX_INT_DIGITS)]
    assert parse_json("[1.5, -2e3]") == [1.5, -2000.0]
    assert refusal(parse_json, "[NaN]") == "NaN is not a number JSON allows"
    assert refusal(parse_json, "[Infinity]") == "Infinity is not a number JSON allows"


def test_the_size_and_depth_limits_are_inclusive_and_said() -> None:
    assert parse_json(b'"0123456"', max_bytes=9) == "0123456"  # exactly the limit
    assert refusal(parse_json, b'"01234567"', max_bytes=9) == "the body is larger than 9 bytes"
    assert refusal(parse_json, "[" * 70_000 + "]" * 70_000, max_bytes=10**6) == (
        f"the body is nested deeper than {MAX_JSON_DEPTH} levels"
    )
    assert refusal(parse_json, "{") == "the body is not valid JSON"
    assert refusal(parse_json, b'"\xff"') == "the body is not valid JSON"


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH, MAX_JSON_DEPTH + 1])
def test_objects_count_towards_the_depth_as_lists_do(depth: int) -> None:
    document = "1"
    for _ in range(depth):
        document = '{"a": ' + document + "}"
    if depth <= MAX_JSON_DEPTH:
        assert parse_json(document) is not None
    else:
        assert refusal(parse_json, document) == (
            f"the body is nested deeper than {MAX_JSON_DEPTH} levels"
        )


def test_a_row_id_comes_from_a_number_or_its_digits_and_is_refused_with_the_reason() -> None:
    assert parse_row_id("42", "assignee") == 42
    assert parse_row_id(1, "assignee") == 1 and parse_row_id("1", "assignee") == 1
    assert parse_row_id(str(INT64_MAX), "assignee") == INT64_MAX
    assert parse_row_id(INT64_MAX, "assignee") == INT64_MAX
    not_an_id = "assignee must be an id (a whole number)"
    assert refusal(parse_row_id, True, "assignee") == not_an_id
    assert refusal(parse_row_id, "4x", "assignee") == not_an_id
    out_of_range = f"assignee must be an id between 1 and {INT64_MAX}"
    assert refusal(parse_row_id, 0, "assignee") == out_of_range
    assert refusal(parse_row_id, INT64_MAX + 1, "assignee") == out_of_range
    assert refusal(parse_row_id, 1.0, "assignee") == out_of_range


def test_a_bounded_integer_includes_both_ends_and_is_no_bool() -> None:
    assert bounded_int(1, "capacity", 1, 50) == 1
    assert bounded_int(50, "capacity", 1, 50) == 50
    refused = "capacity must be a whole number from 1 to 50"
    for bad in (0, 51, True, 2.0, "2"):
        assert refusal(bounded_int, bad, "capacity", 1, 50) == refused
