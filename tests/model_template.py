"""The trained registry every test's model comes from, cached by what it is trained from.

Training takes ~25 s of CPU (minutes on a loaded machine). The test session trains it before
any test starts (``pytest_configure`` in ``tests/conftest.py``), outside every test's timeout,
into ``.test-model/<fingerprint>``: the fingerprint covers the classifier's code and data and
the versions of the libraries that fit it, so a run after any change to them trains afresh and
every other run reuses the model. xdist workers get the path in ``FRONTDESK_TEST_MODEL_TEMPLATE``.

``python -m tests.model_template`` trains (or finds) it and prints the path.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
from importlib import metadata
from pathlib import Path

ENV_VAR = "FRONTDESK_TEST_MODEL_TEMPLATE"
TRAINING_TIMEOUT = 600
"""pytest-timeout for tests that train models: CPU-bound work of 10-90 s each on a quiet
2-core machine, several times that under load, not a hang (the suite's guard is 120 s)."""
ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".test-model"
LIBRARIES = ("scikit-learn", "numpy", "scipy", "skops")


def fingerprint() -> str:
    """SHA-256 of what the model depends on: ``classifier/`` (code and data), the libraries'
    versions, the Python version and the configured model kind."""
    digest = hashlib.sha256()
    for path in sorted((ROOT / "classifier").rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    for name in LIBRARIES:
        digest.update(f"{name}=={metadata.version(name)}".encode())
    digest.update(sys.version.encode())
    digest.update(os.environ.get("FRONTDESK_CLASSIFIER_MODEL", "").encode())
    return digest.hexdigest()[:16]


def train_template(root: Path) -> Path:
    """A registry at ``root`` whose first version is trained on the shipped data, as a fresh
    server trains it."""
    from classifier.registry import ModelRegistry
    from classifier.training import train

    train([], ModelRegistry(root))
    return root


def cached_template() -> Path:
    """The template for the current fingerprint, trained first if there is none (one trainer
    at a time; older templates are removed)."""
    from filelock import FileLock

    CACHE.mkdir(exist_ok=True)
    target = CACHE / fingerprint()
    with FileLock(str(CACHE / "lock")):
        if not (target / "index.json").is_file():
            for old in CACHE.iterdir():
                if old.is_dir():
                    shutil.rmtree(old, ignore_errors=True)
            print(
                f"training the tests' model in {target} (once per classifier change)",
                file=sys.stderr,
            )
            partial = CACHE / f"{target.name}.partial"
            train_template(partial)
            partial.rename(target)
    return target


if __name__ == "__main__":
    print(cached_template())
