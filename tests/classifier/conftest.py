from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from classifier.registry import ModelRegistry


@pytest.fixture
def trained_registry(registry_template: Path, tmp_path: Path) -> ModelRegistry:
    """A registry whose active version was trained on the shipped data (a private copy)."""
    root = tmp_path / "trained-registry"
    shutil.copytree(registry_template, root)
    return ModelRegistry(root)
