"""The intent model a running server classifies with: the registry's active version, followed.

Every process holds its own copy in memory, so the reload is not a singleton: each process
checks the registry (one ``stat``) and swaps in a newly promoted version on its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING

from service.periodic import periodic

if TYPE_CHECKING:
    from classifier.base import Classifier
    from service.desk import Desk

    from .dialogue import Clarifier
    from .settings import Settings

log = logging.getLogger(__name__)

RELOAD_SECONDS = 2.0
"""How often a running server checks the registry for a promoted model (one ``stat``)."""


async def registry_classifier(settings: Settings, stack: contextlib.AsyncExitStack) -> Classifier:
    """The registry's active model (the first version is trained from the shipped data when
    the registry is empty), swapped for a newly promoted one within ``RELOAD_SECONDS``."""
    from classifier.catalog import load_catalog
    from classifier.holder import ClassifierHolder
    from classifier.registry import ModelRegistry

    registry, catalog = ModelRegistry(settings.model_dir), load_catalog()
    if registry.active_version() is None:  # say why the first start takes a while
        log.info(  # say why the first start may take a while
            "classifier: no model yet; the first one comes from the shipped examples "
            "(copied from this machine's model cache, else trained: ~25 s)"
        )
    holder = await asyncio.to_thread(ClassifierHolder.open, registry, catalog)
    log.info("classifier: model version %s from %s", holder.current.version, registry.root)

    async def follow() -> None:  # a failure is logged by periodic; the old model keeps serving
        await asyncio.to_thread(holder.reload_if_changed)  # loading takes ~1 s: off the loop

    await stack.enter_async_context(periodic("classifier-reload", RELOAD_SECONDS, follow))
    return holder


def clarifier_for(classifier: Classifier, desk: Desk) -> Clarifier:
    from classifier.catalog import load_catalog

    from .clarifying import CatalogClarifier

    return CatalogClarifier(load_catalog(), classifier, desk.clock)
