"""The one place where failures become JSON answers: ``{"error": ...}`` with the status the
error tree implies (the table is ``service/error_status.py``, which the console's HTML pages
use too, through ``handoff/error_pages.py``). Handlers raise domain errors (``models.errors``,
the web-chat errors of ``bot.ports``); they never build an error response themselves.

Beyond that table: InvalidTransition answers name the current ``status``, a ``TooFast`` one
carries ``Retry-After``, and

| error | status |
|---|---|
| ``StoreUnavailable`` (or any database outage, ``store.outage``) | 503 with ``Retry-After`` |
| ``Overloaded`` (the backlog is full, ``bot/backlog.py``) | 503 with ``Retry-After`` |
| anything else (a bug) | 500, logged with its traceback |
"""

from __future__ import annotations

import logging
import math
from typing import Any

from aiohttp import web

from models import (
    Conflict,
    DomainError,
    InvalidTransition,
    Overloaded,
    StoreUnavailable,
    TooFast,
)
from service.error_status import status_of
from store.outage import is_unavailable, unavailable

log = logging.getLogger(__name__)

_BODY_HEADERS = frozenset({"Content-Type", "Content-Length"})


def error_response(error: DomainError) -> web.Response:
    """``{"error": message}`` with the error's status (and what the client needs to act)."""
    body: dict[str, Any] = {"error": str(error)}
    headers: dict[str, str] = {}
    if isinstance(error, InvalidTransition):
        body["status"] = error.current
    if isinstance(error, Conflict):  # some say who holds what (e.g. the ticket's owner)
        body.update(getattr(error, "details", {}))
    if isinstance(error, TooFast):
        headers["Retry-After"] = str(max(1, math.ceil(error.retry_after)))
    return web.json_response(body, status=status_of(error), headers=headers or None)


@web.middleware
async def errors_as_json(request: web.Request, handler: Any) -> web.StreamResponse:
    """Domain errors get their status and message; an aiohttp error on the JSON API gets a JSON
    body; bugs are logged with the traceback and answered with a short 500."""
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.content_type == "application/json" or exc.status < 400:
            raise
        if request.path.startswith("/api/") or request.path == "/healthz":
            kept = {k: v for k, v in exc.headers.items() if k not in _BODY_HEADERS}  # Allow...
            return web.json_response({"error": exc.reason}, status=exc.status, headers=kept)
        raise
    except DomainError as exc:
        return error_response(exc)
    except Overloaded as exc:
        return busy_response(exc)
    except Exception as exc:
        if isinstance(exc, StoreUnavailable) or is_unavailable(exc):
            return outage_response(unavailable(exc))
        log.exception("unhandled error on %s %s", request.method, request.path)
        return web.json_response({"error": "internal error; it has been logged"}, status=500)


def busy_response(error: Overloaded) -> web.Response:
    """503: this process refuses new work until its backlog shrinks; nothing was stored."""
    retry = str(max(1, math.ceil(error.retry_after)))
    return web.json_response({"error": str(error)}, status=503, headers={"Retry-After": retry})


def outage_response(error: StoreUnavailable) -> web.Response:
    """503: the database cannot serve now; nothing was done, the client should try again."""
    log.warning("answered 503: %s", error)
    retry = str(max(1, math.ceil(error.retry_after)))
    body = {"error": "the service is temporarily unavailable; try again shortly"}
    return web.json_response(body, status=503, headers={"Retry-After": retry})
