"""Classifier administration shared by ``frontdesk classifier`` and the console's Models page.

Training data from the desk: every intent an agent set or corrected on a ticket and every
answer to a clarifying question (``training_labels``), oldest first so that a later label of
the same text wins. Labels outside the intent catalog (an agent may type any intent) are left
out rather than failing the whole training run.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from classifier.catalog import Catalog
from classifier.registry import ModelRegistry

if TYPE_CHECKING:
    from store.database import Store

TRAINING_SOURCES = frozenset({"agent", "clarification"})


@dataclass(frozen=True, slots=True)
class DeskExamples:
    """``(text, intent)`` rows for ``classifier.training.train`` and what was left out."""

    rows: list[tuple[str, str]]
    outside_catalog: int


async def desk_examples(store: Store, catalog: Catalog) -> DeskExamples:
    labels = await store.read(lambda uow: uow.labels.list())
    rows: list[tuple[str, str]] = []
    outside = 0
    for label in labels:
        if label.source not in TRAINING_SOURCES or not label.intent or not label.text.strip():
            continue
        if label.intent not in catalog.trainable:
            outside += 1
            continue
        rows.append((label.text, label.intent))
    return DeskExamples(rows, outside)


def active_since(registry: ModelRegistry) -> datetime | None:
    """When the active version was created (``None`` with no active version)."""
    active = registry.active_version()
    if active is None:
        return None
    return datetime.fromisoformat(registry.record(active).created_at)


async def corrections_per_intent(store: Store, since: datetime | None) -> dict[str, int]:
    """Agents' intent corrections since ``since`` (the active version's creation), per intent."""
    labels = await store.read(lambda uow: uow.labels.list(since=since))
    counts = Counter(label.intent for label in labels if label.source == "agent" and label.intent)
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
