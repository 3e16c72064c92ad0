"""``python -m tests.model_template DIR``: train the registry every test's model comes from.

``make test`` runs this before pytest and passes DIR in ``FRONTDESK_TEST_MODEL_TEMPLATE``:
training (~25 s of CPU, minutes on a loaded machine) then happens once, outside any test's
timeout, and no worker waits for another to train. Without the variable the ``registry_template``
fixture trains on first use (``tests/conftest.py``).
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

ENV_VAR = "FRONTDESK_TEST_MODEL_TEMPLATE"
TRAINING_TIMEOUT = 600
"""pytest-timeout for tests that train models: CPU-bound work of 10-90 s each on a quiet
2-core machine, several times that under load, not a hang (the suite's guard is 120 s)."""


def train_template(root: Path) -> Path:
    """A registry at ``root`` whose first version is trained on the shipped data, as a fresh
    server trains it."""
    from classifier.registry import ModelRegistry
    from classifier.training import train

    train([], ModelRegistry(root))
    return root


def main() -> None:
    root = Path(sys.argv[1])
    shutil.rmtree(root, ignore_errors=True)  # never a model of older code or data
    train_template(root)
    print(f"test model template trained in {root}")


if __name__ == "__main__":
    main()
