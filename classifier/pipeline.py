"""The scikit-learn pipelines and the thresholds tuned on held-out data.

Intent: TF-IDF of words (1-3 grams, one-letter tokens kept) and of characters within words (1-5
grams, robust to typos), a linear SVM with the Crammer-Singer multi-class loss (+0.3 point on
BANKING77 over one-vs-rest, see docs/classifier.md), and temperature scaling
(``CalibratedClassifierCV(method="temperature")``) so that ``predict_proba`` is a calibrated
softmax. Temperature scaling keeps one SVM and one scalar, which
keeps a single prediction near 1 ms; per-class sigmoid calibration of 77 classes would not.

Priority: a small word/char TF-IDF + logistic regression over ``low|medium|high|urgent`` that only
reads urgency and impact cues; ``model.combine_priority`` merges it with the catalog default.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from sklearn.base import clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC
from threadpoolctl import threadpool_limits

DEFAULT_C = 0.5
LARGE_DATA_ROWS = 5000
"""From this many training rows on, n-grams seen only once are dropped (``min_df=2``): on
BANKING77 this cuts the features from 87,025 to 37,035 (the model 2.4x smaller) for -0.2 point
of accuracy, while on small data a single agent correction may carry a word's only occurrence."""
SVM_MAX_ITER = 10_000
"""liblinear's default 1,000 iterations do not always converge on a few dozen near-duplicate rows
(a calibration fold of a tiny training set); on data where they do, more changes nothing."""
CALIBRATION_FOLDS = 3
MIN_EXAMPLES_PER_INTENT = CALIBRATION_FOLDS
"""Calibration needs every intent in each of its folds; rarer intents are left out of training."""


def build_intent_pipeline(c: float = DEFAULT_C, min_df: int = 1) -> Pipeline:
    """Unfitted intent pipeline; see ``min_df_for`` for ``min_df``."""
    features = FeatureUnion(
        [
            (
                "words",
                TfidfVectorizer(
                    ngram_range=(1, 3),
                    sublinear_tf=True,
                    token_pattern=r"(?u)\b\w+\b",
                    min_df=min_df,
                ),
            ),
            (
                "chars",
                TfidfVectorizer(
                    analyzer="char_wb", ngram_range=(1, 5), sublinear_tf=True, min_df=min_df
                ),
            ),
        ]
    )
    calibrated = CalibratedClassifierCV(
        LinearSVC(C=c, multi_class="crammer_singer", random_state=0, max_iter=SVM_MAX_ITER),
        method="temperature",
        cv=CALIBRATION_FOLDS,
        ensemble=False,
    )
    return Pipeline([("features", features), ("classifier", calibrated)])


def min_df_for(n_rows: int) -> int:
    return 2 if n_rows >= LARGE_DATA_ROWS else 1


def build_priority_pipeline() -> Pipeline:
    """Unfitted priority pipeline: word 1-2 grams only (the cues are words: "asap", "everyone",
    "no rush"); char n-grams doubled its ~0.4 ms latency for no gain on the test messages."""
    return Pipeline(
        [
            ("features", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)),
            ("classifier", LogisticRegression(C=10.0, class_weight="balanced", max_iter=2000)),
        ]
    )


def fit_pipeline(pipeline: Pipeline, texts: Sequence[str], labels: Sequence[str]) -> Pipeline:
    """Fit with one BLAS/OpenMP thread (2x faster on these 2 cores) and C-fast coefficients."""
    with threadpool_limits(limits=1):
        pipeline.fit(list(texts), list(labels))
    _make_coefficients_fortran(pipeline)
    return pipeline


def fit_calibrated_like(
    fitted: Pipeline, texts: Sequence[str], labels: Sequence[str], min_df: int = 1
) -> Pipeline:
    """An intent pipeline fitted on ``texts``, calibrated with ``fitted``'s temperature.

    ``fitted`` is the same pipeline fitted on most of these rows (``training.train``'s
    evaluation fit: every row but the held-out ones). Its temperature was tuned on the
    cross-validated scores of three SVMs; tuning it again on all rows costs three more SVM
    fits (a first training: 21.5 -> 17.4 s of CPU, docs/benchmarks.md) for a temperature
    that differs in the second decimal, and a temperature never changes which intent wins.
    Falls back to a full fit when the intents differ (an intent whose every row was held out).
    """
    pipeline = build_intent_pipeline(min_df=min_df)
    template: Any = fitted.steps[-1][1]
    if sorted(set(labels)) != [str(c) for c in template.classes_]:
        return fit_pipeline(pipeline, texts, labels)
    features, calibrated = pipeline.steps[0][1], pipeline.steps[-1][1]
    with threadpool_limits(limits=1):
        matrix = features.fit_transform(list(texts))
        svm = clone(calibrated.estimator).fit(matrix, list(labels))
    pair = copy.copy(template.calibrated_classifiers_[0])
    pair.estimator = svm
    calibrated.classes_ = template.classes_
    calibrated.calibrated_classifiers_ = [pair]
    calibrated.n_features_in_ = svm.n_features_in_
    _make_coefficients_fortran(pipeline)
    return pipeline


def _make_coefficients_fortran(pipeline: Pipeline) -> None:
    """``X @ coef_.T`` on one sparse row copies a C-ordered ``coef_``; Fortran order avoids it."""
    final: Any = pipeline.steps[-1][1]
    estimators: list[Any] = [final]
    for calibrated in getattr(final, "calibrated_classifiers_", []):
        estimators.append(calibrated.estimator)
    for est in estimators:
        if hasattr(est, "coef_"):
            est.coef_ = np.asfortranarray(est.coef_)


MAX_TURNED_AWAY = 0.03
"""At most this share of held-out in-scope messages may fall under the ``unknown`` threshold."""


def tune_unknown_threshold(
    confidence_in: NDArray[np.float64], max_turned_away: float = MAX_TURNED_AWAY
) -> float:
    """The confidence under which a prediction becomes ``unknown``.

    The highest threshold that turns away at most ``max_turned_away`` of the held-out in-scope
    messages (those predicted as the trained ``unknown`` class count as turned away: callers pass
    confidence 0). It needs no out-of-scope examples, and it states its cost in the customers it
    sends away. The earlier rule (maximise open-set accuracy over in-scope and a few dozen
    out-of-scope rows) turned away one answerable message in ten on a 150-intent benchmark
    (in-scope accuracy 0.85 against ~0.93 without a threshold, issue 16).
    """
    if len(confidence_in) == 0:
        return 0.0
    ordered = np.sort(np.asarray(confidence_in, dtype=np.float64))
    allowed = int(np.floor(max_turned_away * len(ordered) + 1e-9))
    # Strictly below ``ordered[allowed]`` lie at most ``allowed`` rows (fewer on ties). The
    # threshold sits halfway down to the next lower row, not on the kept row itself: the same
    # text scored through another code path (one text, a batch) may differ in the last bits.
    kept = ordered[min(allowed, len(ordered) - 1)]
    below = ordered[allowed - 1] if 0 < allowed < len(ordered) else kept * (1 - 1e-9)
    return float((kept + below) / 2)


def tune_ask_threshold(
    confidence: NDArray[np.float64],
    correct: NDArray[np.bool_],
    floor: float,
    target_precision: float = 0.95,
    ceiling: float = 0.9,
) -> float:
    """Lowest confidence above which held-out predictions are right ``target_precision`` of times.

    Below it (and above ``floor``, the unknown threshold) the bot asks a clarifying question.
    Capped at ``ceiling`` so a small or hard tuning set cannot make the bot ask about everything.
    """
    order = np.argsort(-confidence)
    conf, ok = confidence[order], correct[order]
    precision = np.cumsum(ok) / np.arange(1, len(ok) + 1)
    good = np.nonzero(precision >= target_precision)[0]
    if len(good) == 0:
        return ceiling
    # The longest prefix (most predictions accepted) whose precision meets the target.
    return float(min(max(conf[good[-1]], floor), ceiling))


def stack_features(union: FeatureUnion, texts: list[str]) -> Any:
    """``union.transform(texts)`` without joblib: weighted blocks, stacked as one CSR matrix."""
    weights = union.transformer_weights or {}
    blocks = []
    for name, transformer in union.transformer_list:
        if transformer == "drop":
            continue
        block = transformer.transform(texts)
        if name in weights:
            block = block * weights[name]
        blocks.append(block if sp.issparse(block) else sp.csr_matrix(block))
    return sp.hstack(blocks, format="csr")
