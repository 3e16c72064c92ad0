"""Hot swap: the running server's classifier follows the registry's active version."""

from __future__ import annotations

import logging
import threading

from models import Prediction

from .catalog import Catalog
from .errors import ArtifactError, ClassifierError
from .first_model import first_version
from .language import warm_up
from .model import SklearnClassifier
from .registry import ModelRegistry

log = logging.getLogger(__name__)


class ClassifierHolder:
    """Satisfies the ``Classifier`` port and swaps the model underneath without failing a request.

    ``classify`` reads the current model reference once, so a call in flight finishes on the
    model it started with while ``reload_if_changed`` replaces the reference (an atomic
    assignment). Loading happens before the swap, outside any lock classifications wait on.
    """

    def __init__(self, registry: ModelRegistry, catalog: Catalog, current: SklearnClassifier):
        self.registry = registry
        self.catalog = catalog
        self._current = current
        self._stamp = registry.index_stamp()
        self._refused: str | None = None
        self._reload_lock = threading.Lock()

    @classmethod
    def open(cls, registry: ModelRegistry, catalog: Catalog) -> ClassifierHolder:
        """Load the active version; with none yet, the first model of the shipped data (copied
        from the machine's cache or trained, ``first_model``), so every server start leaves a
        recorded version behind.

        Also loads the language detector (``language.warm_up``): the server calls this in a
        worker thread, and the first message would otherwise load it on the event loop.
        """
        warm_up()
        active = registry.active_version()
        if active is None:
            active = first_version(registry, catalog)
        return cls(registry, catalog, registry.load(active, catalog))

    @property
    def current(self) -> SklearnClassifier:
        return self._current

    def classify(self, text: str) -> Prediction:
        return self._current.classify(text)

    def classify_many(self, texts: list[str]) -> list[Prediction]:
        return self._current.classify_many(texts)

    def reload_if_changed(self) -> bool:
        """Swap in the registry's active version if it changed; ``True`` when swapped.

        Costs one ``stat`` when nothing changed, so it can run every few seconds. A version that
        fails verification (tampered, untrusted types) is logged and refused once; the current
        model keeps serving.
        """
        with self._reload_lock:
            stamp = self.registry.index_stamp()
            if stamp == self._stamp:
                return False
            self._stamp = stamp
            active = self.registry.active_version()
            if active is None or active == self._current.version or active == self._refused:
                return False
            try:
                loaded = self.registry.load(active, self.catalog)
            except (ArtifactError, ClassifierError):
                log.exception(
                    "model version %s refused; still serving %s", active, self._current.version
                )
                self._refused = active
                return False
            self._current = loaded
            log.info("classifier switched to model version %s", active)
            return True
