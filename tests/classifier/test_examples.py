from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from classifier.catalog import load_catalog
from classifier.errors import TrainingDataError
from classifier.examples import (
    check_labels,
    fingerprint,
    read_labelled_csv,
    shipped_examples,
    split_held_out,
)


def test_fingerprint_ignores_order_but_not_content() -> None:
    rows = [("a", "x"), ("b", "y")]
    assert fingerprint(rows) == fingerprint(list(reversed(rows)))
    assert fingerprint(rows) != fingerprint([("a", "x"), ("b", "z")])
    assert fingerprint([("a\x1fb", "c")]) != fingerprint([("a", "b\x1fc")])


def test_split_is_deterministic_stratified_and_stable_as_data_grows() -> None:
    rows = shipped_examples()
    train, held = split_held_out(rows)
    assert sorted(train + held) == sorted(rows)
    assert sorted(split_held_out(list(reversed(rows)))[1]) == sorted(held)
    assert set(Counter(label for _, label in held)) == set(Counter(label for _, label in rows))
    assert 0.1 < len(held) / len(rows) < 0.3
    grown = [*rows, ("a brand new message about invoices", "billing_question")]
    assert set(held) <= set(split_held_out(grown)[1])


def test_read_labelled_csv_errors(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("message,label\nhello,greeting\n")
    with pytest.raises(TrainingDataError, match="no column 'text'"):
        read_labelled_csv(path, "text", "label")
    path.write_text("text,label\nhello,greeting\n,greeting\nhi,\n")
    with pytest.raises(TrainingDataError, match=r"line\(s\) 3, 4"):
        read_labelled_csv(path, "text", "label")
    path.write_text("text,label\n")
    with pytest.raises(TrainingDataError, match="no rows"):
        read_labelled_csv(path, "text", "label")
    path.write_text('text,label\n"hello, you",greeting\n')
    assert read_labelled_csv(path, "text", "label") == [("hello, you", "greeting")]


def test_labels_outside_the_catalog_are_refused() -> None:
    with pytest.raises(TrainingDataError, match="greting"):
        check_labels([("hi", "greting")], load_catalog(), "corrections")
    check_labels([("hi", "greeting")], load_catalog(), "corrections")
