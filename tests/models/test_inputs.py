"""Properties of the input rules every edge reads untrusted data through (``models.inputs``).

Whatever bytes arrive, the outcome is a value within the limits or a ValidationError — never a
RecursionError, an int-conversion ValueError or a string the database cannot store.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models import ValidationError
from models.inputs import (
    EARLIEST,
    INT64_MAX,
    INT64_MIN,
    LATEST,
    MAX_JSON_DEPTH,
    bounded_int,
    clean_text,
    parse_json,
    parse_row_id,
)
from models.metrics import parse_period

storable_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")
)
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(INT64_MIN, INT64_MAX)
    | st.floats(allow_nan=False, allow_infinity=False)
    | storable_text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(storable_text, inner, max_size=4),
    max_leaves=20,
)


def depth(value: Any) -> int:
    if isinstance(value, list):
        return 1 + max((depth(v) for v in value), default=0)
    if isinstance(value, dict):
        return 1 + max((depth(v) for v in value.values()), default=0)
    return 0


@given(st.binary(max_size=300))
def test_any_bytes_are_a_value_or_a_validation_error(raw: bytes) -> None:
    try:
        parse_json(raw)
    except ValidationError:
        pass


@given(json_values)
def test_every_storable_document_reads_back_unchanged(value: Any) -> None:
    if depth(value) <= MAX_JSON_DEPTH:
        assert parse_json(json.dumps(value).encode()) == value


@given(storable_text, st.sampled_from(["\x00", "\ud800", "\udfff", "\udc00"]), storable_text)
def test_text_the_database_cannot_store_is_refused_anywhere_in_a_body(
    before: str, bad: str, after: str
) -> None:
    text = before + bad + after
    with pytest.raises(ValidationError):
        clean_text(text)
    for document in ({"text": text}, [[text]], {text: 1}):
        with pytest.raises(ValidationError):
            parse_json(json.dumps(document))


@given(st.integers(min_value=1, max_value=MAX_JSON_DEPTH + 40))
def test_nesting_is_allowed_up_to_the_limit_only(levels: int) -> None:
    document = "[" * levels + "]" * levels
    if levels <= MAX_JSON_DEPTH:
        assert depth(parse_json(document)) == levels
    else:
        with pytest.raises(ValidationError, match="nested"):
            parse_json(document)


@pytest.mark.parametrize("levels", [1_000, 50_000, 200_000])
def test_absurd_nesting_is_a_validation_error(levels: int) -> None:
    with pytest.raises(ValidationError):
        parse_json(b"[" * levels, max_bytes=10**6)
    with pytest.raises(ValidationError):
        parse_json(b'{"a":' * levels, max_bytes=10**7)


@given(st.integers())
def test_integers_read_back_and_a_column_takes_only_a_bigint(number: int) -> None:
    assert parse_json(json.dumps({"n": number})) == {"n": number}
    if 1 <= number <= INT64_MAX:
        assert parse_row_id(number, "id") == number
    else:
        with pytest.raises(ValidationError):
            parse_row_id(number, "id")
    if INT64_MIN <= number <= INT64_MAX:
        assert bounded_int(number, "n", INT64_MIN, INT64_MAX) == number
    else:
        with pytest.raises(ValidationError):
            bounded_int(number, "n", INT64_MIN, INT64_MAX)


def test_a_five_thousand_digit_integer_is_refused_before_conversion() -> None:
    with pytest.raises(ValidationError, match="too large"):
        parse_json(b"9" * 5000, max_bytes=10**6)


@given(st.one_of(st.text(max_size=30), st.integers(), st.booleans(), st.none(), st.floats()))
def test_a_row_id_is_in_range_or_refused(raw: object) -> None:
    try:
        value = parse_row_id(raw, "id")
    except ValidationError:
        return
    assert isinstance(value, int) and 1 <= value <= INT64_MAX


@given(st.text(max_size=40), st.text(max_size=40))
def test_a_report_period_from_any_text_is_sane_or_refused(since: str, until: str) -> None:
    now = datetime(2026, 3, 1, tzinfo=UTC)
    try:
        period = parse_period(since or None, until or None, now)
    except ValueError:
        return
    assert period.since >= EARLIEST and period.until <= LATEST + timedelta(days=1)
    previous = period.previous()  # the comparison column must exist too
    assert previous.until == period.since


@given(st.dates())
def test_any_calendar_date_is_clamped_into_range(day: Any) -> None:
    period = parse_period(day.isoformat(), "9999-12-31", datetime(2026, 3, 1, tzinfo=UTC))
    assert EARLIEST <= period.since <= LATEST
    period.previous()


def test_an_id_as_text_may_have_leading_zeros_as_the_api_document_says() -> None:
    # schemathesis found "00163953410418416514" (the document's pattern allows leading zeros)
    assert parse_row_id("00163953410418416514", "id") == 163953410418416514
    assert parse_row_id("0" * 5000 + "7", "id") == 7  # zeros never reach int()
    for bad in ("0", "000", "0" * 20 + str(INT64_MAX + 1), "1" * 20, "+5", " 5", "٣"):
        with pytest.raises(ValidationError):
            parse_row_id(bad, "id")
