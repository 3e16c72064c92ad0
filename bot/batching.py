"""Classifying together the texts that wait while the classifier is busy."""

from __future__ import annotations

import asyncio

from classifier.base import Classifier
from models import Prediction

MAX_TEXTS = 64  # per call: past ~32 a text costs no less (the per-call overhead is paid)


class ClassifyBatcher:
    """One classification at a time, in a worker thread; texts that arrive meanwhile wait and
    go together in the next call.

    A text alone costs ~6 ms of CPU with the default model (the encoders' and scikit-learn's
    per-call work), 1.8 ms in a batch of 8 and 1.4 ms in one of 32 (``bench/ceiling.py``). On
    the event loop the engine's workers asked one by one, as each one's message committed
    (1.1 texts per call under load); in a thread, the loop keeps taking messages while a call
    runs, so batches grow with the load by themselves, and a text that comes alone waits for
    nothing but the thread hand-off.
    """

    def __init__(self, classifier: Classifier) -> None:
        self._classifier = classifier
        self._waiting: list[tuple[str, asyncio.Future[Prediction]]] = []
        self._running: asyncio.Task[None] | None = None

    async def classify(self, text: str) -> Prediction:
        future: asyncio.Future[Prediction] = asyncio.get_running_loop().create_future()
        self._waiting.append((text, future))
        if self._running is None:
            self._running = asyncio.create_task(self._drain(), name="classify-batches")
        return await future

    async def _drain(self) -> None:
        try:
            while self._waiting:
                batch = self._waiting[:MAX_TEXTS]
                del self._waiting[:MAX_TEXTS]
                texts = [text for text, _ in batch]
                try:
                    predictions = await asyncio.to_thread(self._classifier.classify_many, texts)
                except asyncio.CancelledError:
                    for _, future in batch + self._waiting:
                        future.cancel()
                    raise
                except Exception as exc:
                    for _, future in batch:
                        if not future.done():
                            future.set_exception(exc)
                    continue
                for (_, future), prediction in zip(batch, predictions, strict=True):
                    if not future.done():
                        future.set_result(prediction)
        finally:
            self._running = None
