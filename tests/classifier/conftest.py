from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from classifier.catalog import Catalog
from classifier.model import SklearnClassifier
from classifier.registry import ModelRegistry


@pytest.fixture
def trained_registry(registry_template: Path, tmp_path: Path) -> ModelRegistry:
    """A registry whose active version was trained on the shipped data (a private copy)."""
    root = tmp_path / "trained-registry"
    shutil.copytree(registry_template, root)
    return ModelRegistry(root)


@pytest.fixture
def small_trained_registry(small_registry_template: Path, tmp_path: Path) -> ModelRegistry:
    """A registry whose active version was trained on the ``small`` catalog (a private copy)."""
    root = tmp_path / "small-registry"
    shutil.copytree(small_registry_template, root)
    return ModelRegistry(root)


@pytest.fixture(scope="session")
def small_classifier(small_registry_template: Path, small: Catalog) -> SklearnClassifier:
    """The ``small`` catalog's first model: for tests of storing and loading (a tenth of the
    full model's size, so a tenth of the time to write and verify)."""
    registry = ModelRegistry(small_registry_template)
    version = registry.active_version()
    assert version is not None
    return registry.load(version, small)
