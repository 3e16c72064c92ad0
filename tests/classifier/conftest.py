from __future__ import annotations

import pytest

from classifier.model import SklearnClassifier, train_default_classifier


@pytest.fixture(scope="session")
def default_classifier() -> SklearnClassifier:
    """Trained once per run (~1-2 s): the model a fresh server starts with."""
    return train_default_classifier()
