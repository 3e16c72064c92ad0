"""Where this machine keeps what the classifier computes once for every data directory: the
first model (``first_model``) and the training texts' sentence vectors (``disk_vectors``).

``FRONTDESK_MODEL_CACHE`` (``off`` turns both off), else ``$XDG_CACHE_HOME/frontdesk/models``
or ``~/.cache/frontdesk/models``.
"""

from __future__ import annotations

import os
from pathlib import Path

CACHE_ENV = "FRONTDESK_MODEL_CACHE"


def cache_root(environ: dict[str, str] | None = None) -> Path | None:
    env = os.environ if environ is None else environ
    configured = env.get(CACHE_ENV, "").strip()
    if configured.lower() == "off":
        return None
    if configured:
        return Path(configured)
    base = env.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "frontdesk" / "models"
