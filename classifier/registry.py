"""Model versions on disk: skops artifacts, JSON records, an index of which version is active.

Layout under the registry root (e.g. ``./var/models``)::

    index.json                  {"active": "v0003", "history": ["v0001", "v0002"]}
    versions/v0003/model.skops  the fitted pipelines ({"intent": ..., "priority": ...}) and their
                                TF-IDF vocabularies as arrays (``classifier.vocabularies``)
    versions/v0003/record.json  id, created_at, parent, fingerprint, artifact sha256, metrics...
    versions/v0003/training_rows.csv   exactly what it was trained on (to compare versions)
    imports/*.csv               validated CSVs imported for future training

Every file is written to a temporary name and ``os.replace``d into place, so a reader in another
process sees the old or the new file, never half of one. Writers (train, promote, rollback) take
an exclusive ``flock`` on ``registry.lock`` around read-modify-write of the index.

Artifacts are never trusted blindly: loading checks the SHA-256 recorded when the version was
stored, then refuses any type outside ``ALLOWED_TYPES`` (types skops does not trust by default
and that our pipelines legitimately contain), and only then passes that explicit list to
``skops.io.load``.
"""

from __future__ import annotations

import contextlib
import csv
import fcntl
import hashlib
import io
import json
import os
import tempfile
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import skops.io as sio
from sklearn.pipeline import Pipeline

from . import vocabularies
from .catalog import Catalog
from .errors import (
    ArtifactError,
    ArtifactTamperedError,
    UntrustedTypesError,
    VersionNotFoundError,
)
from .examples import Example
from .model import SklearnClassifier, Thresholds

ALLOWED_TYPES: frozenset[str] = frozenset(
    {
        # Calibration internals skops does not list as safe; both are plain numeric state.
        "sklearn.calibration._CalibratedClassifier",
        "sklearn.calibration._TemperatureScaling",
        "sklearn.calibration._SigmoidCalibration",
        # The optional sentence-embedding step (``classifier.embeddings``): stores only the
        # model name and settings; the network itself is loaded from the installed package.
        "classifier.embeddings.SentenceEmbedder",
        # The TF-IDF + sentence-embedding ensemble (``classifier.ensemble``): fitted sklearn
        # objects, encoder names and floats; the encoders' weights stay in their packages.
        "classifier.ensemble.EmbeddingEnsemble",
    }
)
ARTIFACT = "model.skops"
VOCABULARIES = "vocabularies"
"""The artifact's key for the TF-IDF vocabularies packed as arrays (``classifier.vocabularies``)."""
RECORD = "record.json"
TRAINING_ROWS = "training_rows.csv"


@dataclass(frozen=True, slots=True)
class VersionRecord:
    """What is known about one stored model version (``record.json``)."""

    version: str
    created_at: str
    parent: str | None
    fingerprint: str
    artifact_sha256: str
    thresholds: dict[str, float]
    metrics: dict[str, Any] = field(default_factory=dict)
    untrusted_types: list[str] = field(default_factory=list)
    n_training_rows: int = 0
    notes: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> VersionRecord:
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _atomic_write(path: Path, data: bytes) -> None:
    """Write to a temp file in the same directory, fsync, then ``os.replace`` over ``path``."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            os.fchmod(fh.fileno(), 0o644)  # mkstemp's 0600 would hide it from a server user
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def rows_to_csv(rows: Sequence[Example], header: tuple[str, str] = ("text", "intent")) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue().encode()


class ModelRegistry:
    """Stored model versions and the pointer to the active one; safe across processes."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.versions_dir = self.root / "versions"
        self.imports_dir = self.root / "imports"
        self._index = self.root / "index.json"

    # -- index ---------------------------------------------------------------------------------

    @contextlib.contextmanager
    def _writing(self) -> Iterator[None]:
        """Exclusive lock for writers; readers never need it (files are replaced atomically)."""
        self.versions_dir.mkdir(parents=True, exist_ok=True)
        self.imports_dir.mkdir(parents=True, exist_ok=True)
        with open(self.root / "registry.lock", "a+b") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _read_index(self) -> dict[str, Any]:
        try:
            data: dict[str, Any] = json.loads(self._index.read_text("utf-8"))
        except FileNotFoundError:
            return {"active": None, "history": []}
        return data

    def _write_index(self, index: dict[str, Any]) -> None:
        _atomic_write(self._index, json.dumps(index, indent=2).encode())

    def index_stamp(self) -> tuple[int, int, int] | None:
        """A cheap change marker (inode, size, mtime) of the index: one ``stat`` call."""
        try:
            st = self._index.stat()
        except FileNotFoundError:
            return None
        return (st.st_ino, st.st_size, st.st_mtime_ns)

    def active_version(self) -> str | None:
        active: str | None = self._read_index().get("active")
        return active

    # -- versions ------------------------------------------------------------------------------

    def versions(self) -> list[VersionRecord]:
        """Every stored version, oldest first."""
        if not self.versions_dir.is_dir():
            return []
        records = []
        for path in sorted(self.versions_dir.iterdir()):
            if (path / RECORD).is_file():
                records.append(self.record(path.name))
        return records

    def record(self, version: str) -> VersionRecord:
        path = self.versions_dir / version / RECORD
        try:
            return VersionRecord.from_json(json.loads(path.read_text("utf-8")))
        except FileNotFoundError:
            raise VersionNotFoundError(f"no model version {version!r} in {self.root}") from None

    def find_by_fingerprint(self, fingerprint: str) -> VersionRecord | None:
        """The newest version trained on exactly these rows, if any."""
        matches = [r for r in self.versions() if r.fingerprint == fingerprint]
        return matches[-1] if matches else None

    def training_rows(self, version: str) -> list[Example]:
        """The rows ``version`` was trained on (its snapshot, label column ``intent``)."""
        path = self.versions_dir / version / TRAINING_ROWS
        with open(path, newline="", encoding="utf-8") as fh:
            return [(r["text"], r["intent"]) for r in csv.DictReader(fh)]

    def store(
        self,
        classifier: SklearnClassifier,
        *,
        fingerprint: str,
        training_rows: Sequence[Example],
        metrics: dict[str, Any],
        parent: str | None,
        files: dict[str, bytes] | None = None,
        notes: dict[str, Any] | None = None,
    ) -> VersionRecord:
        """Store a new version (not active yet); ``files`` are extra reports (PNG, JSON)."""
        pipelines, packed = vocabularies.detach(
            {"intent": classifier.intent_pipeline, "priority": classifier.priority_pipeline}
        )
        artifact = _dump({**pipelines, VOCABULARIES: packed})
        untrusted = sorted(sio.get_untrusted_types(data=artifact))
        _check_types(untrusted, "the model about to be stored")
        with self._writing():
            version_dir = self._new_version_dir()
            _atomic_write(version_dir / ARTIFACT, artifact)
            _atomic_write(version_dir / TRAINING_ROWS, rows_to_csv(training_rows))
            for name, data in (files or {}).items():
                _atomic_write(version_dir / name, data)
            record = VersionRecord(
                version=version_dir.name,
                created_at=datetime.now(UTC).isoformat(timespec="seconds"),
                parent=parent,
                fingerprint=fingerprint,
                artifact_sha256=hashlib.sha256(artifact).hexdigest(),
                thresholds={
                    "unknown": classifier.thresholds.unknown,
                    "ask": classifier.thresholds.ask,
                },
                metrics=metrics,
                untrusted_types=untrusted,
                n_training_rows=len(training_rows),
                notes=notes or {},
            )
            # The record goes last: a version without a record is invisible to ``versions()``.
            _atomic_write(version_dir / RECORD, json.dumps(asdict(record), indent=2).encode())
        return record

    def _new_version_dir(self) -> Path:
        """``v0001``, ``v0002``...: ``mkdir`` is atomic, so two writers never share an id."""
        existing = [p.name for p in self.versions_dir.iterdir() if p.name.startswith("v")]
        n = max((int(name[1:]) for name in existing if name[1:].isdigit()), default=0) + 1
        while True:
            path = self.versions_dir / f"v{n:04d}"
            try:
                path.mkdir()
                return path
            except FileExistsError:
                n += 1

    def load(self, version: str, catalog: Catalog) -> SklearnClassifier:
        """Verify, then load ``version``; ``ArtifactError`` rather than load a doubtful file."""
        record = self.record(version)
        path = self.versions_dir / version / ARTIFACT
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise ArtifactError(f"model version {version}: cannot read {path}: {exc}") from exc
        actual = hashlib.sha256(data).hexdigest()
        if actual != record.artifact_sha256:
            raise ArtifactTamperedError(
                f"model version {version}: {path} has SHA-256 {actual}, but "
                f"{record.artifact_sha256} was recorded when it was stored; "
                "the file was modified or corrupted and will not be loaded"
            )
        try:
            untrusted = sio.get_untrusted_types(data=data)
        except Exception as exc:  # skops raises several kinds on a malformed archive
            raise ArtifactError(f"model version {version}: not a skops archive ({exc})") from exc
        _check_types(untrusted, f"model version {version}")
        try:
            pipelines = sio.loads(data, trusted=sorted(untrusted))
        except Exception as exc:
            raise ArtifactError(f"model version {version}: cannot be loaded ({exc})") from exc
        if not (
            isinstance(pipelines, dict)
            and all(isinstance(pipelines.get(k), Pipeline) for k in ("intent", "priority"))
        ):
            raise ArtifactError(f"model version {version}: unexpected content")
        try:  # versions stored before the vocabularies were packed have none: nothing to do
            vocabularies.attach(pipelines, pipelines.pop(VOCABULARIES, {}))
        except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError) as exc:
            raise ArtifactError(f"model version {version}: bad vocabularies ({exc})") from exc
        thresholds = Thresholds(**record.thresholds)
        return SklearnClassifier(
            pipelines["intent"], pipelines["priority"], catalog, thresholds, version=version
        )

    def verify(self, version: str) -> None:
        """Raise ``ArtifactError`` if ``version`` could not be loaded safely."""
        record = self.record(version)
        path = self.versions_dir / version / ARTIFACT
        if not path.is_file() or _sha256_file(path) != record.artifact_sha256:
            raise ArtifactTamperedError(
                f"model version {version}: {path} is missing or its SHA-256 does not match "
                "the recorded one; it will not be activated"
            )
        _check_types(sio.get_untrusted_types(file=path), f"model version {version}")

    # -- activation ----------------------------------------------------------------------------

    def activate(self, version: str) -> None:
        """Make ``version`` active (after verifying it); the previous one goes to the history."""
        self.verify(version)
        with self._writing():
            index = self._read_index()
            if index.get("active") == version:
                return
            if index.get("active"):
                index["history"] = [*index.get("history", []), index["active"]]
            index["active"] = version
            self._write_index(index)

    def rollback(self) -> str:
        """Re-activate the version that was active before the current one; returns its id."""
        with self._writing():
            index = self._read_index()
            history = list(index.get("history", []))
            while history:
                previous = history.pop()
                try:
                    self.verify(previous)
                except ArtifactError:
                    continue  # a damaged old version is skipped, not re-activated
                index["active"], index["history"] = previous, history
                self._write_index(index)
                return previous
        raise VersionNotFoundError("no earlier model version to roll back to")


def _dump(obj: Any) -> bytes:
    # Deflate: vocabularies compress ~10x; the file is read once per model swap.
    buf = io.BytesIO()
    sio.dump(obj, buf, compression=zipfile.ZIP_DEFLATED)
    return buf.getvalue()


def _check_types(untrusted: Sequence[str], what: str) -> None:
    unexpected = sorted(set(untrusted) - ALLOWED_TYPES)
    if unexpected:
        raise UntrustedTypesError(
            f"{what} contains types outside the allow-list: {', '.join(unexpected)}; "
            "refusing to load it (extend classifier.registry.ALLOWED_TYPES only after review)"
        )
