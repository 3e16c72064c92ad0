"""Shared fixtures: databases (SQLite always, PostgreSQL when configured) and a trained model."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from hypothesis import HealthCheck, settings

from .databases import create_pg_database, drop_pg_database, migrated_sqlite
from .model_template import CACHE

# make mutation runs every mutant's tests on a machine busy with the other mutants: generation
# may be slow there without anything being wrong (pytest --hypothesis-profile=mutation).
pytest_plugins = ["tests.cpu_log"]  # FRONTDESK_TEST_CPU_LOG=DIR: CPU per test

settings.register_profile("mutation", suppress_health_check=[HealthCheck.too_slow], deadline=None)

if TYPE_CHECKING:
    from classifier.catalog import Catalog
    from classifier.model import SklearnClassifier

_TRAINER = pytest.StashKey[subprocess.Popen[bytes]]()


PG_URL = os.environ.get("FRONTDESK_TEST_POSTGRES_URL", "")
REQUIRE_PG = os.environ.get("FRONTDESK_REQUIRE_POSTGRES") == "1"


def pytest_configure(config: pytest.Config) -> None:
    """Fill the tests' model cache before any test runs, outside every test's timeout; the
    servers the tests start, and the xdist workers started after this, inherit its path."""
    from classifier.first_model import CACHE_ENV
    from service.passwords import PROFILE_ENV

    from .model_template import cached_template

    os.environ[CACHE_ENV] = str(CACHE)
    # argon2-cffi's cheapest parameters: the suite creates and signs in hundreds of agents
    # (~0.2 s of CPU a hash with the production profile); tests/handoff/test_password_profile.py
    # covers the production default
    os.environ.setdefault(PROFILE_ENV, "cheapest-for-tests")
    if os.environ.get("PYTEST_XDIST_WORKER"):
        return
    if config.option.help or config.option.collectonly:
        return
    if getattr(config.option, "numprocesses", None):
        # xdist: train in a child while the workers start and run the tests that need no
        # model; ``registry_template`` (and a test server's first model) waits on the cache's
        # lock for it. ~30 s of CPU on a fresh clone that the suite no longer waits for first.
        config.stash[_TRAINER] = subprocess.Popen(
            [sys.executable, "-c", "from tests.model_template import cached_template as c; c()"],
            cwd=CACHE.parent,
        )
        return
    cached_template()


def pytest_unconfigure(config: pytest.Config) -> None:
    trainer = config.stash.get(_TRAINER, None)
    if trainer is not None and trainer.wait() != 0:
        raise pytest.UsageError(f"training the tests' model failed (exit {trainer.returncode})")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if REQUIRE_PG and not PG_URL:
        raise pytest.UsageError(
            "FRONTDESK_REQUIRE_POSTGRES=1 but FRONTDESK_TEST_POSTGRES_URL unset"
        )
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "0"))
    if workers > 1:
        items[:] = spread_long_tests(items, workers)


LONG_TIMEOUT = 120
"""Tests marked with a longer timeout than the suite's (training, chaos, several processes)."""


def spread_long_tests(items: list[pytest.Item], workers: int) -> list[pytest.Item]:
    """The collection reordered for ``--dist worksteal``, which first hands each worker one
    contiguous share: the long tests dealt round-robin into the shares, each share starting
    with a quarter of its short tests (while the first model trains, see ``pytest_configure``).
    Left in collection order, a share could end with a minute-long test that nothing else can
    run beside, or one worker could get them all."""

    def is_long(item: pytest.Item) -> bool:
        marker = item.get_closest_marker("timeout")
        return marker is not None and bool(marker.args) and marker.args[0] > LONG_TIMEOUT

    long = [item for item in items if is_long(item)]
    short = [item for item in items if not is_long(item)]
    sizes, left = [], len(items)
    for remaining in range(workers, 0, -1):  # the shares xdist's worksteal hands out
        sizes.append(left // remaining)
        left -= sizes[-1]
    ordered: list[pytest.Item] = []
    for share, size in enumerate(sizes):
        mine = long[share::workers]
        rest, short = short[: size - len(mine)], short[size - len(mine) :]
        ordered += rest[: len(rest) // 4] + mine + rest[len(rest) // 4 :]
    return ordered + short


@pytest.fixture(scope="session")
def registry_template() -> Path:
    """A model registry whose first version was trained on the shipped data, as a fresh server
    gets it (``tests/model_template.py``: trained before the first test, or reused). Tests copy
    it before they write to it."""
    from .model_template import cached_template

    return cached_template()


@pytest.fixture(scope="session")
def small() -> Catalog:
    """Six intents of the shipped catalog (``tests.model_template.SMALL_INTENTS``)."""
    from .model_template import small_catalog

    return small_catalog()


@pytest.fixture(scope="session")
def small_registry_template(small: Catalog, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A registry whose first version was trained on the ``small`` catalog (~2 s of CPU)."""
    from classifier.registry import ModelRegistry
    from classifier.training import train

    root = tmp_path_factory.mktemp("small-registry")
    train([], ModelRegistry(root), catalog=small)
    return root


@pytest.fixture
def small_model_dir(
    small: Catalog, small_registry_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """``model_dir`` for the ``small`` catalog, which the desk (and its training child) then
    reads as the desk's own (``FRONTDESK_INTENT_CATALOG``): a training story at ~2 s of CPU
    per training instead of ~15."""
    from classifier.catalog import CATALOG_ENV

    from .model_template import write_catalog

    monkeypatch.setenv(CATALOG_ENV, str(write_catalog(small, tmp_path / "catalog.json")))
    target = tmp_path / "models"
    shutil.copytree(small_registry_template, target)
    return target


@pytest.fixture(scope="session")
def trained_classifier(registry_template: Path) -> SklearnClassifier:
    """The model a fresh server starts with: the template registry's first version."""
    from classifier.catalog import DATA_DIR, load_catalog
    from classifier.registry import ModelRegistry

    registry = ModelRegistry(registry_template)
    version = registry.active_version()
    assert version is not None
    return registry.load(version, load_catalog(DATA_DIR / "catalog.json"))


@pytest.fixture
def model_dir(registry_template: Path, tmp_path: Path) -> Path:
    """A private copy of ``registry_template`` where a server with ``data_dir=tmp_path``
    looks for its models (``settings.model_dir``)."""
    import shutil

    target = tmp_path / "models"
    shutil.copytree(registry_template, target)
    return target


def _migrated(request: pytest.FixtureRequest) -> bool:
    return request.node.get_closest_marker("empty_database") is None


@pytest.fixture
def _sqlite_templates(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.getbasetemp() / "database-templates"
    path.mkdir(exist_ok=True)
    return path


async def _sqlite(request: pytest.FixtureRequest, tmp_path: Path, templates: Path) -> str:
    target = tmp_path / "frontdesk.db"
    if not _migrated(request):
        return f"sqlite+aiosqlite:///{target}"
    return await migrated_sqlite(target, templates)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, _sqlite_templates: Path
) -> AsyncIterator[str]:
    """A database of each kind at the latest migration (``tests/databases.py``), empty with
    ``@pytest.mark.empty_database``; PostgreSQL runs when FRONTDESK_TEST_POSTGRES_URL is set."""
    if request.param == "sqlite":
        yield await _sqlite(request, tmp_path, _sqlite_templates)
        return
    if not PG_URL:
        pytest.skip("FRONTDESK_TEST_POSTGRES_URL is not set (CI sets it)")
    url, name = await create_pg_database(PG_URL, migrated=_migrated(request))
    try:
        yield url
    finally:
        await drop_pg_database(PG_URL, name)


@pytest.fixture
async def sqlite_url(
    request: pytest.FixtureRequest, tmp_path: Path, _sqlite_templates: Path
) -> AsyncIterator[str]:
    """A SQLite database at the latest migration (empty with ``@pytest.mark.empty_database``)."""
    yield await _sqlite(request, tmp_path, _sqlite_templates)


@pytest.fixture
async def postgres_url() -> AsyncIterator[str]:
    """An empty PostgreSQL database (for what only PostgreSQL can show: a server that goes
    away, several processes on one database migrating it together)."""
    if not PG_URL:
        pytest.skip("FRONTDESK_TEST_POSTGRES_URL is not set (CI sets it)")
    url, name = await create_pg_database(PG_URL, migrated=False)
    try:
        yield url
    finally:
        await drop_pg_database(PG_URL, name)
