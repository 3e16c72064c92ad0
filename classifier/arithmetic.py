"""The fitted pipelines' arithmetic on the serving path, without scikit-learn's per-call checks.

Profiled on the customers'-words set (``bench/classifier_cost.py``), scikit-learn's
``predict_proba`` of the default model spent about a third of a batch's time validating what
it was given: ``check_array``/``validate_data`` on every step (with narwhals asking each array
whether it is a dataframe through ``inspect.getattr_static``), ``check_is_fitted``, estimator
tags, ``get_namespace``. The inputs here are our own lists of strings and the matrices computed
from them, so this module does the same operations, in the same order and on the same fitted
attributes, without those checks:

* a ``TfidfVectorizer``: its counts (``_count_vocab``, the same function its ``transform``
  calls), then ``log + 1`` (sublinear tf), the idf weights and the row normalisation of its
  ``TfidfTransformer`` with scikit-learn's own in-place kernels;
* a linear model's scores: ``X @ coef_.T + intercept_``;
* ``CalibratedClassifierCV(method="temperature")``: its calibrated classifiers' scores through
  ``_convert_to_logits``'s rule and ``softmax(beta_ * logits)``, averaged;
* a multinomial ``LogisticRegression``: ``softmax`` of its scores.

Anything else (another calibration method, a binary model, a transformer we do not know) goes
through scikit-learn as before: :class:`Unsupported` is raised and the caller falls back.
``tests/classifier/test_arithmetic.py`` holds every probability of the default model on the
customers'-words set to scikit-learn's within 1e-12.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC
from sklearn.utils.extmath import softmax
from sklearn.utils.sparsefuncs_fast import (
    inplace_csr_row_normalize_l1,
    inplace_csr_row_normalize_l2,
)


class Unsupported(Exception):
    """A fitted object this module does not reproduce: use scikit-learn's own method."""


def tfidf(vectorizer: Any, texts: list[str]) -> Any:
    """``vectorizer.transform(texts)`` for a fitted ``TfidfVectorizer``."""
    if type(vectorizer) is not TfidfVectorizer:
        raise Unsupported(type(vectorizer).__name__)
    counts = vectorizer._count_vocab(texts, fixed_vocab=True)[1]
    if vectorizer.binary:
        counts.data.fill(1)
    if counts.dtype not in (np.float64, np.float32):
        counts = counts.astype(np.float64)
    weights = vectorizer._tfidf
    if weights.sublinear_tf:
        np.log(counts.data, counts.data)
        counts.data += 1.0
    if hasattr(weights, "idf_"):
        counts.data *= weights.idf_[counts.indices]
    if weights.norm == "l2":
        inplace_csr_row_normalize_l2(counts)
    elif weights.norm == "l1":
        inplace_csr_row_normalize_l1(counts)
    elif weights.norm is not None:
        raise Unsupported(f"norm {weights.norm!r}")
    return counts


def features(step: Any, texts: list[str]) -> Any:
    """A pipeline's feature step: one ``TfidfVectorizer`` or a ``FeatureUnion`` of them."""
    if not isinstance(step, FeatureUnion):
        return tfidf(step, texts)
    weights = step.transformer_weights or {}
    blocks = []
    for name, transformer in step.transformer_list:
        if transformer == "drop":
            continue
        block = tfidf(transformer, texts)
        if name in weights:
            block = block * weights[name]
        blocks.append(block)
    return sp.hstack(blocks, format="csr")


def scores(estimator: Any, x: Any) -> NDArray[np.float64]:
    """``estimator.decision_function(x)`` of a fitted linear model."""
    result: NDArray[np.float64] = x @ estimator.coef_.T + estimator.intercept_
    if result.ndim > 1 and result.shape[1] == 1:
        return result.reshape(-1)
    return result


def calibrated_proba(model: CalibratedClassifierCV, x: Any) -> NDArray[np.float64]:
    """``model.predict_proba(x)`` for temperature scaling over linear SVMs."""
    n_classes = model.classes_.shape[0]
    mean = np.zeros((x.shape[0], n_classes))
    for calibrated in model.calibrated_classifiers_:
        if calibrated.method != "temperature" or type(calibrated.estimator) is not LinearSVC:
            raise Unsupported(f"calibration {calibrated.method!r}")
        predictions = scores(calibrated.estimator, x)
        if predictions.ndim == 1:
            predictions = predictions.reshape(-1, 1)
        proba = softmax(calibrated.calibrators[0].beta_ * _logits(predictions))
        proba[(proba > 1.0) & (proba <= 1.0 + 1e-5)] = 1.0
        mean += proba
    mean /= len(model.calibrated_classifiers_)
    return mean


def _logits(values: NDArray[np.float64], eps: float = 1e-12) -> NDArray[np.float64]:
    """scikit-learn's ``calibration._convert_to_logits``: scores that look like probabilities
    (each in [0, 1], rows summing to 1) are taken as such."""
    if values.ndim == 2 and values.shape[1] > 1:
        looks_like_proba = bool(np.all((values >= 0) & (values <= 1))) and bool(
            np.all(np.isclose(np.sum(values, axis=1), 1.0))
        )
        return np.log(values + eps) if looks_like_proba else values
    column = values.reshape(-1, 1)
    return np.concatenate([-column, column], axis=1)


def logistic_proba(model: LogisticRegression, x: Any) -> NDArray[Any]:
    """``model.predict_proba(x)`` for a multinomial logistic regression."""
    if type(model) is not LogisticRegression or model.classes_.size <= 2:
        raise Unsupported("a binary logistic regression")
    return np.asarray(softmax(scores(model, x), copy=False))  # float32 stays float32


def pipeline_proba(pipeline: Pipeline, texts: list[str]) -> NDArray[np.float64]:
    """``pipeline.predict_proba(texts)`` for features then a calibrated SVM or a logistic
    regression; raises :class:`Unsupported` for any other shape of pipeline."""
    if len(pipeline.steps) != 2:
        raise Unsupported("a pipeline of other than two steps")
    step, final = pipeline.steps[0][1], pipeline.steps[1][1]
    x = features(step, texts)
    if isinstance(final, CalibratedClassifierCV):
        return calibrated_proba(final, x)
    if isinstance(final, LogisticRegression):
        return logistic_proba(final, x)
    raise Unsupported(type(final).__name__)
