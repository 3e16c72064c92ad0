"""The first model of a new data directory, trained once per machine.

A server that finds no model version trains one from the shipped examples (~25 s of CPU on
two cores, minutes on a busy machine) before it answers anyone. That model depends only on the
shipped code and data, the catalog and the libraries that fit it, so every new data directory
on the same machine (a second ``make run`` elsewhere, a test server, an acceptance story) would
train the same one again. It is kept in a cache keyed by a fingerprint of all of those, and a
new registry gets a copy: its version, record and SHA-256 exactly as trained, verified by the
registry like any other version before it is served.

Cache: ``FRONTDESK_MODEL_CACHE`` (``off`` turns it off), else ``$XDG_CACHE_HOME/frontdesk/models``
or ``~/.cache/frontdesk/models`` (``machine_cache``); one directory per fingerprint, older ones
removed (the sentence vectors of ``disk_vectors`` beside them stay).
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import sys
from importlib import metadata
from pathlib import Path

from .catalog import Catalog
from .disk_vectors import DIRECTORY as VECTORS_DIRECTORY
from .ensemble import kind_from_env
from .machine_cache import CACHE_ENV, cache_root
from .registry import ModelRegistry
from .training import train

log = logging.getLogger(__name__)

LIBRARIES = ("scikit-learn", "numpy", "scipy", "skops")
PACKAGE = Path(__file__).resolve().parent
__all__ = ["CACHE_ENV", "cache_root", "cached_first_model", "fingerprint"]


def fingerprint(catalog: Catalog) -> str:
    """What the first model depends on: this package's code and data, the catalog, the model
    kind, the libraries' versions and Python's."""
    digest = hashlib.sha256()
    for path in sorted(PACKAGE.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(PACKAGE)).encode() + b"\0" + path.read_bytes())
    digest.update(repr(sorted(catalog.items())).encode())
    digest.update(kind_from_env().encode())
    for name in LIBRARIES:
        digest.update(f"{name}=={metadata.version(name)}".encode())
    digest.update(sys.version.encode())
    return digest.hexdigest()[:20]


def cached_first_model(root: Path, catalog: Catalog) -> Path:
    """The registry holding the first model for ``catalog`` under ``root``, trained there
    first when there is none for the current fingerprint (one trainer at a time)."""
    from filelock import FileLock

    root.mkdir(parents=True, exist_ok=True)
    target = root / fingerprint(catalog)
    with FileLock(str(root / "lock")):
        if ModelRegistry(target).active_version() is None:
            for old in root.iterdir():
                if old.is_dir() and old.name != VECTORS_DIRECTORY:
                    shutil.rmtree(old, ignore_errors=True)
            log.info("classifier: training the first model from the shipped examples")
            partial = root / f"{target.name}.partial"
            registry = ModelRegistry(partial)
            registry.activate(train((), registry, catalog=catalog).record.version)
            partial.rename(target)
    return target


def first_version(registry: ModelRegistry, catalog: Catalog) -> str:
    """Give an empty ``registry`` its first active version: a copy from the machine's cache,
    or trained in place when the cache is off or cannot be written."""
    root = cache_root()
    if root is not None:
        try:
            source = cached_first_model(root, catalog)
        except OSError as exc:  # a read-only home, a full disk: train in place instead
            log.warning("classifier: model cache %s unusable (%s); training in place", root, exc)
        else:
            registry.root.mkdir(parents=True, exist_ok=True)
            shutil.copytree(source / "versions", registry.versions_dir, dirs_exist_ok=True)
            version = ModelRegistry(source).active_version()
            assert version is not None
            registry.activate(version)  # verifies the copy (SHA-256, allowed types)
            return version
    version = train((), registry, catalog=catalog).record.version
    registry.activate(version)
    return version
