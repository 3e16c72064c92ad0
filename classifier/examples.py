"""Labelled examples: the shipped CSVs, validation of imported ones, and their fingerprint."""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Iterable, Sequence
from pathlib import Path

from .catalog import DATA_DIR, Catalog
from .errors import TrainingDataError

Example = tuple[str, str]
"""``(text, label)``: a label is an intent (or a priority for the priority model)."""


def read_labelled_csv(path: str | Path, text_column: str, label_column: str) -> list[Example]:
    """Rows of ``path`` as ``(text, label)``; a missing column is a ``TrainingDataError``.

    Blank texts or labels are errors too (with their line numbers): a silently dropped row is a
    correction an agent made that the model never learns.
    """
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            columns = reader.fieldnames or []
            missing = [c for c in (text_column, label_column) if c not in columns]
            if missing:
                raise TrainingDataError(
                    f"{path}: no column {', '.join(map(repr, missing))}; "
                    f"the file has {', '.join(map(repr, columns)) or 'no header'}"
                )
            rows: list[Example] = []
            blank: list[int] = []
            for line, row in enumerate(reader, start=2):
                text = (row.get(text_column) or "").strip()
                label = (row.get(label_column) or "").strip()
                if not text or not label:
                    blank.append(line)
                    continue
                rows.append((text, label))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise TrainingDataError(f"cannot read {path}: {exc}") from exc
    if blank:
        shown = ", ".join(map(str, blank[:10])) + (" ..." if len(blank) > 10 else "")
        raise TrainingDataError(f"{path}: empty text or label on line(s) {shown}")
    if not rows:
        raise TrainingDataError(f"{path}: no rows")
    return rows


def check_labels(rows: Iterable[Example], catalog: Catalog, source: str) -> None:
    """Refuse labels the catalog does not list: a typo would otherwise become a new intent."""
    unknown = sorted({label for _, label in rows} - catalog.trainable)
    if unknown:
        raise TrainingDataError(
            f"{source}: label(s) not in the intent catalog: {', '.join(unknown)} "
            "(add them to the catalog first, or fix the labels)"
        )


EXAMPLE_FILES = {
    "en": "examples.csv",
    "de": "examples_de.csv",
    "fr": "examples_fr.csv",
    "es": "examples_es.csv",
}
"""The shipped intent examples, one file per language (ISO 639-1), each a ``text,intent`` CSV.

One file per language keeps each written and reviewed by someone who writes that language, and
lets an evaluation hold out or report per language without a column to keep in step."""


def shipped_examples_by_language() -> dict[str, list[Example]]:
    """The intent examples written for Frontdesk, per language (``EXAMPLE_FILES``)."""
    return {
        language: read_labelled_csv(DATA_DIR / name, "text", "intent")
        for language, name in EXAMPLE_FILES.items()
    }


def shipped_examples() -> list[Example]:
    """Every shipped intent example, English first, then German, French and Spanish."""
    return [row for rows in shipped_examples_by_language().values() for row in rows]


def shipped_priority_examples() -> list[Example]:
    """Urgency/impact examples for the priority model (``priority_examples.csv``)."""
    return read_labelled_csv(DATA_DIR / "priority_examples.csv", "text", "priority")


def shipped_out_of_scope() -> list[str]:
    """Messages no intent covers: used only to tune the ``unknown`` threshold."""
    with open(DATA_DIR / "out_of_scope.csv", newline="", encoding="utf-8") as fh:
        return [row["text"].strip() for row in csv.DictReader(fh) if row["text"].strip()]


def fingerprint(rows: Sequence[Example]) -> str:
    """SHA-256 over the sorted rows: same data in any order -> same fingerprint."""
    digest = hashlib.sha256()
    for text, label in sorted(rows):
        digest.update(f"{len(text)}:{text}\x1f{label}\x1e".encode())
    return digest.hexdigest()


HELD_OUT_BUCKETS = 5
"""One row in ``HELD_OUT_BUCKETS`` (20 %) is held out for evaluation and threshold tuning."""


def _row_hash(text: str) -> int:
    return int.from_bytes(hashlib.sha256(text.strip().lower().encode()).digest()[:8], "big")


def split_held_out(rows: Sequence[Example]) -> tuple[list[Example], list[Example]]:
    """Deterministic, stratified ``(train, held_out)`` split of labelled rows.

    A row is held out when the hash of its text falls in one bucket of ``HELD_OUT_BUCKETS``, so
    a row held out once stays held out as data grows: versions trained at different times can be
    compared on the same held-out rows, none of which either of them learnt from. Stratified: a
    label with no row in the bucket gets its smallest-hash text held out (when it has 2 or
    more). Copies of a text (a desk example is written twice) stay together.
    """
    train: list[Example] = []
    held: list[Example] = []
    by_label: dict[str, list[Example]] = {}
    for row in rows:
        by_label.setdefault(row[1], []).append(row)
    for label_rows in by_label.values():
        chosen = [r for r in label_rows if _row_hash(r[0]) % HELD_OUT_BUCKETS == 0]
        if not chosen and len({r[0] for r in label_rows}) >= 2:
            first = min(label_rows, key=lambda r: _row_hash(r[0]))[0]
            chosen = [r for r in label_rows if r[0] == first]
        chosen_ids = {id(r) for r in chosen}
        held.extend(chosen)
        train.extend(r for r in label_rows if id(r) not in chosen_ids)
    return train, held
