"""Exceptions of the classifier boundary: callers catch ``ClassifierError`` and its children."""

from __future__ import annotations


class ClassifierError(Exception):
    """Base of every error the classifier package raises on purpose."""


class CatalogError(ClassifierError):
    """The intent catalog is malformed (unknown type/priority, missing fields, no fallback)."""


class TrainingDataError(ClassifierError):
    """Training data cannot be used: bad CSV columns, empty rows, labels not in the catalog."""


class ArtifactError(ClassifierError):
    """A stored model version cannot be trusted or read; it is never loaded."""


class ArtifactTamperedError(ArtifactError):
    """The artifact's SHA-256 differs from the one recorded when it was stored."""


class UntrustedTypesError(ArtifactError):
    """The artifact contains Python types outside the allow-list computed for our pipelines."""


class VersionNotFoundError(ClassifierError):
    """No model version with that id exists in the registry (or nothing to roll back to)."""


class PromotionRefusedError(TrainingDataError):
    """``promote`` without ``force`` of a version that scored worse than the active one."""
