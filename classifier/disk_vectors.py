"""Sentence vectors of training texts, kept on disk once per machine and encoder.

Every training run embeds the same ~4,200 shipped examples, the customers'-words set and the
held-out rows again: ~7 s of CPU with the default encoder, plus ~3.5 s to load the encoder in a
fresh process (a Models-page run trains in a child process, so it paid both every time). The
vectors depend only on the text and the encoder's installed package, so they are kept next to
the first-model cache (``first_model.cache_root``: ``FRONTDESK_MODEL_CACHE``, ``off`` turns it
off) in one ``.npz`` per encoder and package version, keyed by a hash of the text.

Only batches (training, evaluation) read and write it; a customer's message is encoded alone
and never touches the disk. Writers merge under a file lock and replace the file atomically;
the file is bounded to ``MAX_VECTORS`` (the oldest dropped first). A damaged or foreign file is
ignored and rewritten: it is a cache.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

log = logging.getLogger(__name__)

MAX_VECTORS = 50_000
"""~100 MB at 512 float32s a vector: the shipped data, a desk's corrections and a few imports."""
KEY_BYTES = 16
DIRECTORY = "vectors"


def text_key(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()[:KEY_BYTES]


def _package_version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "unknown"


class DiskVectors:
    """The vectors of one encoder (``name``, from ``packages``) under ``root``."""

    def __init__(self, root: Path, name: str, packages: Sequence[str]) -> None:
        versions = "-".join(f"{p}{_package_version(p)}" for p in packages)
        digest = hashlib.sha256(f"{name}|{versions}".encode()).hexdigest()[:16]
        self.path = root / DIRECTORY / f"{name}-{digest}.npz"

    def read(self) -> tuple[NDArray[np.void], NDArray[np.float32]]:
        """``(keys, vectors)`` as stored; empty when there is no usable file."""
        try:
            with np.load(self.path, allow_pickle=False) as data:
                keys, vectors = data["keys"], data["vectors"]
        except (OSError, ValueError, KeyError) as exc:
            if self.path.exists():
                log.warning("classifier: ignoring the vector cache %s: %s", self.path, exc)
            return np.empty(0, dtype=f"V{KEY_BYTES}"), np.empty((0, 0), dtype=np.float32)
        if keys.dtype != np.dtype(f"V{KEY_BYTES}") or len(keys) != len(vectors):
            return np.empty(0, dtype=f"V{KEY_BYTES}"), np.empty((0, 0), dtype=np.float32)
        return keys, vectors

    def lookup(self, texts: Sequence[str]) -> dict[str, NDArray[np.float32]]:
        """The stored vectors of those ``texts`` that have one."""
        keys, vectors = self.read()
        if not len(keys):
            return {}
        index = {bytes(k): i for i, k in enumerate(keys)}
        found: dict[str, NDArray[np.float32]] = {}
        for text in texts:
            row = index.get(text_key(text))
            if row is not None:
                found[text] = vectors[row]
        return found

    def add(self, new: dict[str, NDArray[np.float32]]) -> None:
        """Merge ``new`` into the file (one writer at a time; readers see old or new whole)."""
        if not new:
            return
        from filelock import FileLock

        self.path.parent.mkdir(parents=True, exist_ok=True)
        with FileLock(str(self.path) + ".lock"):
            keys, vectors = self.read()
            dim = next(iter(new.values())).shape[0]
            if len(keys) and vectors.shape[1] != dim:
                keys, vectors = keys[:0], np.empty((0, dim), dtype=np.float32)
            known = {bytes(k) for k in keys}
            added = [(text_key(t), v) for t, v in new.items() if text_key(t) not in known]
            if not added:
                return
            new_keys = np.array([k for k, _ in added], dtype=f"V{KEY_BYTES}")
            new_vectors = np.stack([v for _, v in added]).astype(np.float32)
            keys = np.concatenate([keys, new_keys])[-MAX_VECTORS:]
            vectors = np.concatenate([vectors.reshape(-1, dim), new_vectors])[-MAX_VECTORS:]
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, suffix=".npz.partial")
            try:
                with os.fdopen(fd, "wb") as fh:
                    np.savez(fh, keys=keys, vectors=vectors)
                os.replace(tmp, self.path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
