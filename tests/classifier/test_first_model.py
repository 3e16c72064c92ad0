"""A new data directory gets the machine's first model: trained once, copied after."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from classifier.catalog import Catalog, load_catalog
from classifier.first_model import CACHE_ENV, fingerprint, first_version
from classifier.registry import ModelRegistry
from tests.model_template import TRAINING_TIMEOUT

pytestmark = pytest.mark.timeout(TRAINING_TIMEOUT)  # tests that train models


def _record(registry: ModelRegistry) -> tuple[str, str, str]:
    version = registry.active_version()
    assert version is not None
    record = registry.record(version)
    return version, record.created_at, record.artifact_sha256


def test_a_new_data_directory_gets_a_copy_of_the_machines_first_model(
    tmp_path: Path, registry_template: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    shutil.copytree(registry_template, cache / registry_template.name)  # a warm cache
    monkeypatch.setenv(CACHE_ENV, str(cache))

    registry = ModelRegistry(tmp_path / "data" / "models")
    version = first_version(registry, load_catalog())
    # the very version trained earlier (its record's time and artifact), not a new training
    assert _record(registry) == _record(ModelRegistry(registry_template))
    assert registry.load(version, load_catalog()).classify("I forgot my password").intent == (
        "password_reset"
    )


def test_a_change_to_what_the_model_depends_on_trains_a_new_one_once(
    tmp_path: Path, registry_template: Path, monkeypatch: pytest.MonkeyPatch, small: Catalog
) -> None:
    cache = tmp_path / "cache"
    shutil.copytree(registry_template, cache / registry_template.name)
    monkeypatch.setenv(CACHE_ENV, str(cache))
    catalog = load_catalog()
    monkeypatch.setenv("FRONTDESK_CLASSIFIER_MODEL", "tfidf")  # another model kind
    assert fingerprint(catalog) != registry_template.name
    catalog = small  # and another catalog (a training of a second, not ten)
    assert fingerprint(catalog) != registry_template.name

    first = ModelRegistry(tmp_path / "one")
    first_version(first, catalog)
    assert sorted(p.name for p in cache.iterdir() if p.is_dir()) == [fingerprint(catalog)]
    second = ModelRegistry(tmp_path / "two")
    first_version(second, catalog)
    assert _record(second) == _record(first)  # copied, not trained again


def test_without_a_usable_cache_the_first_model_is_trained_in_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, small: Catalog
) -> None:
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("a file where the cache should be")
    monkeypatch.setenv(CACHE_ENV, str(blocked))
    registry = ModelRegistry(tmp_path / "models")
    version = first_version(registry, small)
    assert registry.active_version() == version and blocked.is_file()

    monkeypatch.setenv(CACHE_ENV, "off")
    other = ModelRegistry(tmp_path / "other")
    first_version(other, small)
    assert _record(other)[1:] != _record(registry)[1:]  # trained again: nothing was cached
