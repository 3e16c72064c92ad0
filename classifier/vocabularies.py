"""TF-IDF vocabularies stored as arrays next to the pipelines, not as skops dict nodes.

skops writes a dict entry by entry into its JSON schema, each value a node of its own: the
~73,000 n-grams of the intent model made ``registry.store`` spend 23 of a training run's 51 s
in ``json.dumps``, and every load and ``activate`` re-read that schema. A vocabulary is a list
of terms in index order, so it is stored as two NumPy arrays (``.npy`` members of the archive)
and rebuilt into the vectorizer's ``vocabulary_`` dict on load.

Vectorizers are found by walking the fitted objects (estimators' attributes, lists, tuples) and
named by their path, so detaching and re-attaching do not depend on attribute order.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from itertools import pairwise
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.base import BaseEstimator
from sklearn.feature_extraction.text import CountVectorizer


def _vectorizers(obj: Any, path: str) -> Iterator[tuple[str, CountVectorizer]]:
    if isinstance(obj, CountVectorizer):  # TfidfVectorizer is one
        yield path, obj
    elif isinstance(obj, BaseEstimator):
        for name, value in vars(obj).items():
            yield from _vectorizers(value, f"{path}.{name}")
    elif isinstance(obj, list | tuple):
        for i, value in enumerate(obj):
            yield from _vectorizers(value, f"{path}[{i}]")
    elif isinstance(obj, dict):
        for key, value in obj.items():
            yield from _vectorizers(value, f"{path}[{key!r}]")


Packed = dict[str, NDArray[Any]]
"""One vocabulary: ``utf8`` (its terms' UTF-8 bytes, concatenated in index order) and
``offsets`` (where each term starts, plus the end): exact for any text, ~1 byte per character."""


def detach(objects: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Packed]]:
    """A deep copy of ``objects`` whose fitted vectorizers have no ``vocabulary_``, and the
    vocabularies packed by path; the originals are left untouched."""
    stripped = copy.deepcopy(objects)
    packed: dict[str, Packed] = {}
    for path, vectorizer in _vectorizers(stripped, ""):
        vocabulary = getattr(vectorizer, "vocabulary_", None)
        if vocabulary is None:
            continue
        terms = [b""] * len(vocabulary)
        for term, index in vocabulary.items():
            terms[index] = term.encode()
        offsets = np.zeros(len(terms) + 1, dtype=np.int64)
        np.cumsum([len(t) for t in terms], out=offsets[1:])
        packed[path] = {"offsets": offsets, "utf8": np.frombuffer(b"".join(terms), np.uint8)}
        del vectorizer.vocabulary_
    return stripped, packed


def attach(objects: dict[str, Any], packed: dict[str, Packed]) -> None:
    """Give the vectorizers of loaded ``objects`` their vocabularies back (in place)."""
    found = dict(_vectorizers(objects, ""))
    missing = sorted(set(packed) - set(found))
    if missing:
        raise ValueError(f"vocabularies for vectorizers that are not there: {missing}")
    for path, vocabulary in packed.items():
        data, ends = vocabulary["utf8"].tobytes(), vocabulary["offsets"].tolist()
        found[path].vocabulary_ = {
            data[start:end].decode(): i for i, (start, end) in enumerate(pairwise(ends))
        }
