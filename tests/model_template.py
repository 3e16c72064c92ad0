"""The trained registry every test's model comes from: the product's first-model cache.

Training takes ~25 s of CPU (minutes on a loaded machine). The test session fills the cache
(``classifier.first_model``) before any test starts (``pytest_configure`` in
``tests/conftest.py``), outside every test's timeout, under ``.test-model/``: keyed by the
classifier's code and data and the libraries' versions, so a run after any change to them
trains afresh and every other run reuses it. Servers the tests start (in process or as
``frontdesk run``) get ``FRONTDESK_MODEL_CACHE`` pointing there: a fresh data directory copies
the model instead of training it, and the user's own cache is never touched.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from classifier.catalog import Catalog

TRAINING_TIMEOUT = 600
"""pytest-timeout for tests that train models: CPU-bound work of 10-90 s each on a quiet
2-core machine, several times that under load, not a hang (the suite's guard is 120 s)."""
CACHE = Path(__file__).resolve().parent.parent / ".test-model"


def cached_template() -> Path:
    """The registry with the first model for the shipped catalog (trained on first use)."""
    from classifier.catalog import load_catalog
    from classifier.first_model import cached_first_model

    return cached_first_model(CACHE, load_catalog())


SMALL_INTENTS = frozenset(
    {
        "password_reset",
        "billing_question",
        "change_request",
        "account_update",
        "system_downtime",
        "app_crash",
    }
)
"""Six intents of the shipped catalog (~780 training rows with the out-of-scope ones): what
the tests of HOW training, promotion, the registry and the first-model cache work train on.
A training takes ~2 s of CPU instead of ~12 s on all 35 intents. How WELL the model reads
is the business of the tests that use the full catalog and of ``make bench-classifier``."""


def small_catalog() -> Catalog:
    """The shipped catalog cut to ``SMALL_INTENTS`` (and its fallback)."""
    from classifier.catalog import DATA_DIR, load_catalog

    full = load_catalog(DATA_DIR / "catalog.json")
    from classifier.catalog import Catalog

    return Catalog(s for name, s in full.items() if name in SMALL_INTENTS or s.kind == "fallback")


def write_catalog(catalog: Catalog, path: Path) -> Path:
    """``catalog`` as a catalog file (the shipped file's entries for its intents)."""
    import json

    from classifier.catalog import DATA_DIR

    shipped = json.loads((DATA_DIR / "catalog.json").read_text("utf-8"))
    shipped["intents"] = {k: v for k, v in shipped["intents"].items() if k in catalog}
    path.write_text(json.dumps(shipped), "utf-8")
    return path
