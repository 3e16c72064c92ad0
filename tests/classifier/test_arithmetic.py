"""The serving path's arithmetic (classifier/arithmetic.py) gives scikit-learn's probabilities,
bit for bit, on the customers'-words set with the default model (in batches of 32, as the
engine batches texts under load, and one by one for the first 64)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.calibration import CalibratedClassifierCV
from sklearn.pipeline import Pipeline
from sklearn.svm import LinearSVC

from classifier import arithmetic
from classifier.customers_words import customers_words
from classifier.ensemble import EmbeddingEnsemble, embed
from classifier.model import SklearnClassifier
from classifier.pipeline import build_intent_pipeline, fit_pipeline


def batches(size: int, limit: int | None = None) -> list[list[str]]:
    texts = [m.text for m in customers_words()][:limit]
    return [texts[i : i + size] for i in range(0, len(texts), size)]


@pytest.mark.parametrize(("size", "limit"), [(32, None), (1, 64)])
def test_each_step_equals_scikit_learns_own_for_every_customers_text(
    trained_classifier: SklearnClassifier, size: int, limit: int | None
) -> None:
    ensemble = trained_classifier.intent_pipeline.steps[-1][1]
    assert isinstance(ensemble, EmbeddingEnsemble)  # the default model: TF-IDF + USE
    priority = trained_classifier.priority_pipeline
    for texts in batches(size, limit):
        tfidf = arithmetic.pipeline_proba(ensemble.tfidf_, texts)
        assert np.array_equal(tfidf, ensemble.tfidf_.predict_proba(texts))
        assert np.array_equal(
            arithmetic.pipeline_proba(priority, texts), priority.predict_proba(texts)
        )
        vectors = embed(ensemble.encoders, texts)
        head = arithmetic.logistic_proba(ensemble.head_, vectors)
        assert head.dtype == ensemble.head_.predict_proba(vectors).dtype
        assert np.array_equal(head, ensemble.head_.predict_proba(vectors))


def test_the_classifier_gives_the_probabilities_of_the_scikit_learn_calls_it_replaced(
    trained_classifier: SklearnClassifier,
) -> None:
    from scipy.special import softmax

    ensemble = trained_classifier.intent_pipeline.steps[-1][1]
    w = ensemble.weight_
    for texts in batches(32):
        log_t = np.log(np.clip(ensemble.tfidf_.predict_proba(texts), 1e-12, None))
        log_e = ensemble.head_.predict_log_proba(embed(ensemble.encoders, texts))
        expected = softmax((1 - w) * log_t + w * log_e, axis=1)
        assert np.array_equal(trained_classifier.intent_probabilities(texts), expected)


def test_what_it_does_not_reproduce_goes_through_scikit_learn() -> None:
    texts = ["card declined", "card refused", "card blocked", "login fails", "cannot log in"] * 3
    labels = ["card"] * 3 * 3 + ["login"] * 2 * 3
    sigmoid = build_intent_pipeline()
    sigmoid.steps[-1] = ("classifier", CalibratedClassifierCV(LinearSVC(), method="sigmoid", cv=3))
    fitted: Pipeline = fit_pipeline(sigmoid, texts, labels)
    with pytest.raises(arithmetic.Unsupported):
        arithmetic.pipeline_proba(fitted, ["my card was declined"])
