"""The one place where failures on the console's pages become HTML pages, as
``bot/http_errors.py`` is for the JSON answers: both take the status from the one table of
the error tree (``service/error_status.py``), so a page and the API cannot disagree.

Console page handlers (wrapped by :func:`console_page`: ``handoff.console.add_page`` does it
for every page) raise domain errors and never render an error themselves; the console's JSON
endpoints under ``/console/`` are not wrapped and answer JSON. On the login form
an access error (a wrong password, a throttled address, an expired form) is the form again
with the reason; elsewhere it is the console's error page with a way on:

| error | page |
|---|---|
| ``NotFound`` | "Not found", back to the queue |
| ``NotSignedIn`` | "Sign in first", to the login form (then back here) |
| ``Forbidden`` | "Not allowed", back to the queue |
| ``TooFast`` | "Too fast" with ``Retry-After`` |
| any other ``DomainError`` (``ValidationError``...) | "Cannot show this", this page afresh |
"""

from __future__ import annotations

import functools
import math
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from models import AccessError, DomainError, Forbidden, NotFound, NotSignedIn, TooFast
from service.error_status import status_of

from .login import LOGIN_PATH, login_form
from .pages import render_page

TITLES: tuple[tuple[type[DomainError], str], ...] = (
    (NotFound, "Not found"),
    (NotSignedIn, "Sign in first"),
    (Forbidden, "Not allowed"),
    (TooFast, "Too fast"),
    (DomainError, "Cannot show this"),
)


def _way_on(request: web.Request, error: DomainError) -> tuple[str, str]:
    """Where the page's one link goes, and what it says."""
    if isinstance(error, NotSignedIn):
        return f"{LOGIN_PATH}?{urlencode({'next': request.path_qs})}", "Sign in"
    if isinstance(error, (NotFound, AccessError)):
        return "/console/queue", "Back to the queue"
    return request.path, "Try again"


async def error_page(request: web.Request, error: DomainError) -> web.Response:
    """The console page that answers ``error``, with the status the error tree gives it."""
    status = status_of(error)
    if request.path == LOGIN_PATH and isinstance(error, (AccessError, TooFast)):
        email = ""
        if request.method == "POST":
            email = str((await request.post()).get("email") or "")
        response = await login_form(request, str(error), email, status)
    else:
        back, back_label = _way_on(request, error)
        title = next(text for kind, text in TITLES if isinstance(error, kind))
        context: dict[str, Any] = {
            "title": title,
            "error": str(error),
            "back": back,
            "back_label": back_label,
        }
        response = await render_page(request, "error.html", context, status)
    if isinstance(error, TooFast):
        response.headers["Retry-After"] = str(max(1, math.ceil(error.retry_after)))
    return response


Page = Callable[[web.Request], Awaitable[web.StreamResponse]]


def console_page(handler: Page) -> Page:
    """``handler`` as a console page: a domain error it raises becomes :func:`error_page`;
    everything else (bugs, outages) goes on to ``bot/http_errors.py``."""

    @functools.wraps(handler)
    async def page(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except DomainError as error:
            return await error_page(request, error)

    return page
