from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from classifier.model import SklearnClassifier, train_default_classifier
from classifier.registry import ModelRegistry
from classifier.training import train


@pytest.fixture(scope="session")
def default_classifier() -> SklearnClassifier:
    """Trained once per run (~1-2 s): the model a fresh server starts with."""
    return train_default_classifier()


@pytest.fixture(scope="session")
def _trained_registry_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("registry-template")
    train([], ModelRegistry(root))
    return root


@pytest.fixture
def trained_registry(_trained_registry_template: Path, tmp_path: Path) -> ModelRegistry:
    """A registry whose active version was trained on the shipped data (a private copy)."""
    root = tmp_path / "trained-registry"
    shutil.copytree(_trained_registry_template, root)
    return ModelRegistry(root)
