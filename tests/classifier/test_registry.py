from __future__ import annotations

import json
import threading
import zipfile
from pathlib import Path

import pytest
import skops.io as sio
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.pipeline import Pipeline

from classifier import registry as registry_module
from classifier import vocabularies
from classifier.catalog import load_catalog
from classifier.errors import ArtifactTamperedError, UntrustedTypesError, VersionNotFoundError
from classifier.examples import fingerprint, shipped_examples
from classifier.model import SklearnClassifier, Thresholds, fit_intent_model, fit_priority_model
from classifier.registry import ModelRegistry, _atomic_write

ROWS = [("I forgot my password", "password_reset"), ("hello", "greeting")]
TEXTS = ["I forgot my password", "the site is down for everyone", "hi", "what is love"]


def _store(reg: ModelRegistry, clf: SklearnClassifier, parent: str | None = None) -> str:
    record = reg.store(
        clf,
        fingerprint=fingerprint(ROWS),
        training_rows=ROWS,
        metrics={"accuracy": 0.9, "macro_f1": 0.8},
        parent=parent,
    )
    return record.version


def test_store_and_load_round_trip(tmp_path: Path, small_classifier: SklearnClassifier) -> None:
    reg = ModelRegistry(tmp_path)
    version = _store(reg, small_classifier)
    record = reg.record(version)
    artifact = tmp_path / "versions" / version / "model.skops"
    assert record.artifact_sha256 == registry_module._sha256_file(artifact)
    assert record.fingerprint == fingerprint(ROWS) and record.parent is None
    assert reg.training_rows(version) == ROWS
    loaded = reg.load(version, load_catalog())
    assert loaded.version == version and loaded.thresholds == small_classifier.thresholds
    assert loaded.classify_many(TEXTS) == small_classifier.classify_many(TEXTS)
    assert [r.version for r in reg.versions()] == [version]
    assert reg.find_by_fingerprint(fingerprint(ROWS)) == record


def test_version_ids_are_sequential_and_parent_is_recorded(
    tmp_path: Path, small_classifier: SklearnClassifier
) -> None:
    reg = ModelRegistry(tmp_path)
    first = _store(reg, small_classifier)
    second = _store(reg, small_classifier, parent=first)
    assert (first, second) == ("v0001", "v0002")
    assert reg.record(second).parent == first


def test_tampered_artifact_is_refused(tmp_path: Path, small_classifier: SklearnClassifier) -> None:
    reg = ModelRegistry(tmp_path)
    version = _store(reg, small_classifier)
    artifact = tmp_path / "versions" / version / "model.skops"
    data = bytearray(artifact.read_bytes())
    data[len(data) // 2] ^= 0xFF
    artifact.write_bytes(bytes(data))
    with pytest.raises(ArtifactTamperedError, match="SHA-256"):
        reg.load(version, load_catalog())
    with pytest.raises(ArtifactTamperedError):
        reg.activate(version)
    assert reg.active_version() is None


class Sneaky(TransformerMixin, BaseEstimator):
    """A type skops does not trust and our allow-list does not name."""

    def fit(self, x: object, y: object = None) -> Sneaky:
        return self

    def transform(self, x: object) -> object:
        return x


def _vocabularies(pipeline: Pipeline) -> dict[str, dict[str, int]]:
    return {path: dict(v.vocabulary_) for path, v in vocabularies._vectorizers(pipeline, "")}


def test_vocabularies_are_stored_as_arrays_and_come_back_exactly(
    tmp_path: Path, small_classifier: SklearnClassifier
) -> None:
    served = small_classifier.intent_pipeline
    before = _vocabularies(served)
    assert sum(map(len, before.values())) > 10_000  # words and character n-grams

    reg = ModelRegistry(tmp_path)
    version = _store(reg, small_classifier)
    assert _vocabularies(served) == before  # storing leaves the served model whole
    with zipfile.ZipFile(tmp_path / "versions" / version / "model.skops") as archive:
        schema = archive.read("schema.json")
    assert len(schema) < 1_000_000  # no dict node per n-gram (it was ~100 MB of JSON)
    loaded = reg.load(version, load_catalog())
    assert _vocabularies(loaded.intent_pipeline) == before


def test_a_version_stored_with_inline_vocabularies_still_loads(tmp_path: Path) -> None:
    """Versions stored before the vocabularies were packed keep working after an upgrade (a
    small model: skops takes ~20 s to write the shipped model's vocabularies inline)."""
    rows = [
        r
        for r in shipped_examples()
        if r[1] in ("password_reset", "system_downtime", "refund_request")
    ]
    small = SklearnClassifier(
        fit_intent_model(rows, kind="tfidf"),
        fit_priority_model(),
        load_catalog(),
        Thresholds(0.0, 0.0),
    )
    reg = ModelRegistry(tmp_path)
    version = _store(reg, small)
    vdir = tmp_path / "versions" / version
    sio.dump(
        {"intent": small.intent_pipeline, "priority": small.priority_pipeline}, vdir / "model.skops"
    )
    record = json.loads((vdir / "record.json").read_text())
    record["artifact_sha256"] = registry_module._sha256_file(vdir / "model.skops")
    (vdir / "record.json").write_text(json.dumps(record))
    loaded = reg.load(version, load_catalog())
    assert _vocabularies(loaded.intent_pipeline) == _vocabularies(small.intent_pipeline)
    assert loaded.classify_many(TEXTS) == small.classify_many(TEXTS)


def test_unknown_types_are_refused_even_with_a_matching_sha(
    tmp_path: Path, small_classifier: SklearnClassifier
) -> None:
    reg = ModelRegistry(tmp_path)
    version = _store(reg, small_classifier)
    vdir = tmp_path / "versions" / version
    sneaky = Pipeline([("s", Sneaky()), *small_classifier.intent_pipeline.steps])
    sio.dump(
        {"intent": sneaky, "priority": small_classifier.priority_pipeline}, vdir / "model.skops"
    )
    record = json.loads((vdir / "record.json").read_text())
    record["artifact_sha256"] = registry_module._sha256_file(vdir / "model.skops")
    (vdir / "record.json").write_text(json.dumps(record))
    with pytest.raises(UntrustedTypesError, match="Sneaky"):
        reg.load(version, load_catalog())


def test_allow_list_is_what_makes_calibration_types_loadable(
    tmp_path: Path, small_classifier: SklearnClassifier, monkeypatch: pytest.MonkeyPatch
) -> None:
    reg = ModelRegistry(tmp_path)
    version = _store(reg, small_classifier)
    assert reg.record(version).untrusted_types  # skops itself would not load these blindly
    monkeypatch.setattr(registry_module, "ALLOWED_TYPES", frozenset())
    with pytest.raises(UntrustedTypesError, match="_CalibratedClassifier"):
        reg.load(version, load_catalog())


def test_activate_and_rollback(tmp_path: Path, small_classifier: SklearnClassifier) -> None:
    reg = ModelRegistry(tmp_path)
    a, b = _store(reg, small_classifier), _store(reg, small_classifier)
    with pytest.raises(VersionNotFoundError):
        reg.rollback()
    reg.activate(a)
    reg.activate(b)
    assert reg.active_version() == b
    assert reg.rollback() == a and reg.active_version() == a
    with pytest.raises(VersionNotFoundError):
        reg.rollback()
    with pytest.raises(VersionNotFoundError, match="v0042"):
        reg.record("v0042")


def test_readers_never_see_a_half_written_index(tmp_path: Path) -> None:
    path = tmp_path / "index.json"
    _atomic_write(path, b'{"active": null}')
    stop = threading.Event()
    bad: list[str] = []

    def read() -> None:
        while not stop.is_set():
            try:
                json.loads(path.read_text())
            except json.JSONDecodeError as exc:
                bad.append(str(exc))

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for i in range(300):
            _atomic_write(path, json.dumps({"active": f"v{i:04d}", "pad": "x" * 20000}).encode())
    finally:
        stop.set()
        reader.join()
    assert not bad
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
