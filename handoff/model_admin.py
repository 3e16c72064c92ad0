"""Classifier administration shared by ``frontdesk classifier`` and the console's Models page.

Training data from the desk: every intent an agent set or corrected on a ticket and every
answer to a clarifying question (``training_labels``), oldest first so that a later label of
the same text wins. Labels outside the intent catalog (an agent may type any intent) are left
out rather than failing the whole training run.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from aiohttp import web

from classifier.catalog import Catalog
from classifier.child import promote_in_child, train_in_child
from classifier.errors import ClassifierError, PromotionRefusedError
from classifier.registry import ModelRegistry
from models import AgentRole, Conflict, Forbidden, NotFound

from .api import agent_endpoint, json_body, services
from .console import add_page, page_session, render_page

if TYPE_CHECKING:
    from store.database import Store

log = logging.getLogger(__name__)

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


# -- the console's Models page (admins only) ------------------------------------------------


@dataclass
class TrainingRun:
    """The one training run the console may have going (training takes seconds of CPU: one at
    a time, in a child process, so the event loop keeps answering customers)."""

    running: bool = False
    stage: str = ""
    fraction: float = 0.0
    result: dict[str, Any] | None = None
    error: str | None = None
    task: asyncio.Task[None] | None = field(default=None, repr=False)

    def as_json(self) -> dict[str, Any]:
        return {
            "running": self.running,
            "stage": self.stage,
            "fraction": round(self.fraction, 3),
            "result": self.result,
            "error": self.error,
        }


@dataclass
class ModelAdmin:
    """What the Models page works on: the registry the server follows and its catalog."""

    registry: ModelRegistry
    catalog: Catalog
    run: TrainingRun = field(default_factory=TrainingRun)


MODEL_ADMIN = web.AppKey("model_admin", ModelAdmin)
VERSION = re.compile(r"^v\d{4,}$")


def _admin(request: web.Request) -> ModelAdmin:
    return request.app[MODEL_ADMIN]


async def models_page(request: web.Request) -> web.Response:
    session = await page_session(request)
    if not session.agent.role.at_least(AgentRole.ADMIN):
        raise Forbidden("The Models page is for admins.")
    admin = _admin(request)
    registry = admin.registry
    active = registry.active_version()
    versions = list(reversed(registry.versions()))
    since = active_since(registry)
    corrections = await corrections_per_intent(services(request).store, since)
    return await render_page(
        request,
        "models.html",
        {
            "versions": versions,
            "active": active,
            "since": since,
            "corrections": corrections,
            "run": admin.run.as_json(),
        },
    )


async def confusion_png(request: web.Request) -> web.StreamResponse:
    session = await page_session(request)
    if not session.agent.role.at_least(AgentRole.ADMIN):
        raise web.HTTPForbidden(text="the Models page is for admins")
    version = request.match_info["version"]
    path = _admin(request).registry.versions_dir / version / "confusion.png"
    if not VERSION.match(version) or not path.is_file():
        raise web.HTTPNotFound(text=f"no confusion matrix for {version}")
    return web.FileResponse(path, headers={"Content-Type": "image/png"})


@agent_endpoint(AgentRole.ADMIN)
async def start_training(request: web.Request) -> web.Response:
    """Start a training run on everything (shipped, imported and desk labels): 202, or 409
    while one runs. Poll ``GET /console/models/training`` for its progress."""
    admin, store = _admin(request), services(request).store
    run = admin.run
    if run.running:
        raise Conflict("a training run is already going")
    examples = await desk_examples(store, admin.catalog)
    run.running, run.stage, run.fraction, run.result, run.error = True, "starting", 0.0, None, None

    def progress(stage: str, fraction: float) -> None:
        run.stage, run.fraction = stage, fraction

    async def training() -> None:
        try:
            summary = await train_in_child(admin.registry.root, examples.rows, progress)
            run.result = {**summary, "desk_examples": len(examples.rows)}
        except ClassifierError as exc:
            run.error = str(exc)
            log.warning("training from the console failed: %s", exc)
        except Exception:
            log.exception("training from the console failed")
            run.error = "training failed; the error has been logged"
        finally:
            run.running = False

    run.task = asyncio.create_task(training(), name="console-training")
    return web.json_response(run.as_json(), status=202)


@agent_endpoint(AgentRole.ADMIN)
async def training_status(request: web.Request) -> web.Response:
    return web.json_response(_admin(request).run.as_json())


@agent_endpoint(AgentRole.ADMIN)
async def promote_version(request: web.Request) -> web.Response:
    """Serve a version (refused when worse than the active one unless ``{"force": true}``)."""
    body = await json_body(request)
    version = request.match_info["version"]
    if not VERSION.match(version):
        raise NotFound(f"no model version {version}")
    admin = _admin(request)
    try:
        active = await promote_in_child(admin.registry.root, version, bool(body.get("force")))
    except PromotionRefusedError as exc:
        raise Conflict(str(exc)) from exc
    except ClassifierError as exc:
        raise NotFound(str(exc)) from exc
    return web.json_response({"active": active})


@agent_endpoint(AgentRole.ADMIN)
async def rollback_version(request: web.Request) -> web.Response:
    try:
        active = await asyncio.to_thread(_admin(request).registry.rollback)
    except ClassifierError as exc:
        raise Conflict(str(exc)) from exc
    return web.json_response({"active": active})


async def _stop_training(app: web.Application) -> None:
    """On shutdown a running training child is killed (its version is never half stored: the
    registry writes a version atomically) instead of outliving the server."""
    task = app[MODEL_ADMIN].run.task
    if task is not None and not task.done():
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def add_models_page(app: web.Application, admin: ModelAdmin) -> None:
    """Mount the Models page (after ``console.add_routes``)."""
    app[MODEL_ADMIN] = admin
    app.on_shutdown.append(_stop_training)
    add_page(app, "Models", "/console/models", models_page, role=AgentRole.ADMIN)  # base templates
    r = app.router
    r.add_get("/console/models/training", training_status)
    r.add_post("/console/models/training", start_training)
    r.add_post("/console/models/rollback", rollback_version)
    r.add_get("/console/models/{version}/confusion.png", confusion_png)
    r.add_post("/console/models/{version}/promote", promote_version)
