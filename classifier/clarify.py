"""When to ask a clarifying question, and which intents to offer as answers."""

from __future__ import annotations

from dataclasses import dataclass

from models import Prediction

from .catalog import Catalog

MAX_OPTIONS = 3
MIN_OPTION_PROBABILITY = 0.05
"""Options below this are noise, except that at least two are always offered."""


@dataclass(frozen=True, slots=True)
class IntentOption:
    """One answer the bot offers: a button ``label`` whose payload is the ``intent``."""

    intent: str
    label: str
    probability: float


@dataclass(frozen=True, slots=True)
class Clarification:
    """``ask``: the bot should not act on the prediction yet. ``options``: what to offer (0-3);
    when asking with fewer than two options, ask the customer to rephrase instead."""

    ask: bool
    options: tuple[IntentOption, ...]


def clarify(prediction: Prediction, catalog: Catalog, ask_threshold: float) -> Clarification:
    """Whether to ask a clarifying question and which 2-3 intents to offer.

    Asks when ``prediction.confidence`` is below ``ask_threshold`` (the classifier's tuned
    ``thresholds.ask``) or the intent is the catalog's fallback (``unknown``). Only ``ticket``
    intents are offered: a greeting is no answer, and the engine adds its own "Talk to a
    person" button. The customer's choice should come back to training as an extra example
    ``(original text, chosen intent)``.
    """
    if prediction.intent != catalog.fallback.name and prediction.confidence >= ask_threshold:
        return Clarification(ask=False, options=())
    ranked = [(prediction.intent, prediction.confidence), *prediction.alternatives]
    options: list[IntentOption] = []
    for intent, probability in ranked:
        spec = catalog.get(intent)
        if spec is None or spec.kind != "ticket" or any(o.intent == intent for o in options):
            continue
        if len(options) >= 2 and probability < MIN_OPTION_PROBABILITY:
            break
        options.append(IntentOption(intent, spec.label, probability))
        if len(options) == MAX_OPTIONS:
            break
    return Clarification(ask=True, options=tuple(options))
