"""The port the conversation engine classifies texts through."""

from __future__ import annotations

from typing import Protocol

from models import Prediction


class Classifier(Protocol):
    """Sync and CPU-bound (~1 ms a text): callers run it in a thread when latency matters."""

    def classify(self, text: str) -> Prediction: ...

    def classify_many(self, texts: list[str]) -> list[Prediction]: ...
