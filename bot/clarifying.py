"""Clarifying questions: the engine's ``Clarifier`` port answered from the intent catalog.

Wired by ``bot.app``: the ``ask`` threshold is the one tuned for the model serving right now
(read on every question, so a promoted model brings its own), and a customer's choice is
stored in ``training_labels`` with source ``clarification`` for the next ``classifier train``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from classifier.catalog import Catalog
from classifier.clarify import Clarification, clarify
from models import Prediction, Priority

if TYPE_CHECKING:
    from service.unit_of_work import UnitOfWork

DEFAULT_ASK_THRESHOLD = 0.5
"""For a classifier that publishes no tuned ``thresholds`` (a hand-written fake in tests)."""

CLARIFICATION_SOURCE = "clarification"
_ORDER = (Priority.LOW, Priority.MEDIUM, Priority.HIGH, Priority.URGENT)


def ask_threshold(classifier: Any) -> float:
    """The serving model's tuned ``ask`` threshold (``SklearnClassifier.thresholds`` or a
    ``ClassifierHolder``'s current model's), else ``DEFAULT_ASK_THRESHOLD``."""
    for owner in (classifier, getattr(classifier, "current", None)):
        thresholds = getattr(owner, "thresholds", None)
        if thresholds is not None:
            return float(thresholds.ask)
    return DEFAULT_ASK_THRESHOLD


def chosen_priority(catalog: Catalog, chosen: str, original: Prediction) -> Priority:
    """Carry the original prediction's urgency cue over to the intent the customer chose.

    The classifier combined the predicted intent's default priority with a cue read from the
    text (``classifier.model.combine_priority``): a raise shows as a priority above that
    default, a "no rush" as one step below. The same cue applies to the chosen intent's default.
    """
    default = catalog.spec_for(chosen).priority
    predicted_default = catalog.spec_for(original.intent).priority
    if original.priority.rank > predicted_default.rank:
        return original.priority if original.priority.rank > default.rank else default
    if original.priority.rank < predicted_default.rank:
        return _ORDER[max(default.rank - 1, 0)]
    return default


class CatalogClarifier:
    """Satisfies ``bot.dialogue.Clarifier``."""

    def __init__(
        self,
        catalog: Catalog,
        classifier: object,
        clock: Callable[[], datetime],
    ) -> None:
        self.catalog = catalog
        self._classifier = classifier
        self._clock = clock

    def question(self, prediction: Prediction) -> Clarification | None:
        return clarify(prediction, self.catalog, ask_threshold(self._classifier))

    def prediction_for(self, intent: str, original: Prediction) -> Prediction:
        spec = self.catalog.spec_for(intent)
        return replace(
            original,
            intent=spec.name,
            type=spec.type,
            priority=chosen_priority(self.catalog, intent, original),
            team=spec.team,
            fulfiller=spec.fulfiller,
            alternatives=(),
        )

    async def record_answer(
        self, uow: UnitOfWork, text: str, intent: str, ticket_id: int | None
    ) -> None:
        from store.training_labels import TrainingLabel  # the store's record type

        spec = self.catalog.spec_for(intent)
        await uow.labels.add(
            TrainingLabel(
                text=text,
                source=CLARIFICATION_SOURCE,
                intent=spec.name,
                type=spec.type.value,
                ticket_id=ticket_id,
                created_at=self._clock(),
            )
        )
