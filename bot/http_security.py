"""Security headers on every response, and who may read ``/metrics``.

Every page and API answer gets, from one ``on_response_prepare`` hook (so static files, errors
and redirects are covered too):

* ``Content-Security-Policy``: scripts and styles only from our own origin — no inline script,
  no inline style, no ``eval`` — so injected markup cannot run; ``frame-ancestors`` for the
  web-chat pages (``/`` and the widget's frame ``/widget``) from ``FRONTDESK_FRAME_ANCESTORS``
  plus the sites an admin allowed on the console's Widget page, and ``'none'`` for the console,
  the reset page and the API.
* ``X-Frame-Options`` for browsers without ``frame-ancestors``.
* ``X-Content-Type-Options: nosniff`` and ``Referrer-Policy: same-origin`` (the reset page keeps
  its stricter ``no-referrer``: its URL holds the token).
* ``Cache-Control: no-store`` on the console, the API, the reset page and ``/metrics``: a shared
  computer's back button or a proxy must not keep a customer's conversation or a ticket.

``/metrics`` tells anyone who reads it how busy the desk is and how many tickets are open, so
with ``FRONTDESK_METRICS_TOKEN`` set it wants ``Authorization: Bearer <token>``; without one it
answers only clients on the loopback interface (a reverse proxy on the same host counts as
loopback: set the token there).
"""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from .settings import Settings, SettingsError

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
Origins = Callable[[web.Request], Awaitable[tuple[str, ...]]]

POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors {ancestors}"
)
NO_STORE_PREFIXES = ("/api/", "/console", "/reset/", "/metrics", "/healthz")
EMBEDDABLE = frozenset({"/", "/widget"})  # the hosted web chat, the widget's frame


def checked_ancestors(settings: Settings) -> str:
    """``FRONTDESK_FRAME_ANCESTORS``, refused if it could break out of the CSP header."""
    value = settings.frame_ancestors.strip()
    if not value or any(c in value for c in ";,\r\n\x00"):
        raise SettingsError(
            "FRONTDESK_FRAME_ANCESTORS must be a CSP source list such as 'self' or "
            f"'self' https://www.example.com (no ';' or ','), not {settings.frame_ancestors!r}"
        )
    return value


def frame_options(ancestors: str) -> str | None:
    """The X-Frame-Options equivalent of a frame-ancestors list, if there is one."""
    if ancestors.strip() == "'none'":
        return "DENY"
    if ancestors.strip() == "'self'":
        return "SAMEORIGIN"
    return None  # a list of sites: only browsers that know frame-ancestors can enforce it


def embedders(setting: str, allowed: tuple[str, ...]) -> str:
    """The frame-ancestors list: the setting's sources and the admin's allowed origins."""
    if not allowed:
        return setting
    return " ".join(allowed if setting.strip() == "'none'" else (setting, *allowed))


def security_headers(
    widget_ancestors: str, allowed: Origins | None = None
) -> Callable[[web.Request, web.StreamResponse], Any]:
    """The ``on_response_prepare`` hook; ``widget_ancestors`` is the setting's value,
    ``allowed`` reads the admin's allowed origins (validated origins: CSP-safe)."""

    async def add(request: web.Request, response: web.StreamResponse) -> None:
        ancestors = "'none'"
        if request.path in EMBEDDABLE:
            sites = await allowed(request) if allowed is not None else ()
            ancestors = embedders(widget_ancestors, sites)
        headers = response.headers
        headers.setdefault("Content-Security-Policy", POLICY.format(ancestors=ancestors))
        framing = frame_options(ancestors)
        if framing is not None:
            headers.setdefault("X-Frame-Options", framing)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        if request.path.startswith(NO_STORE_PREFIXES) and not request.path.startswith(
            "/console/static/"
        ):
            headers["Cache-Control"] = "no-store"

    return add


def is_loopback(remote: str | None) -> bool:
    try:
        return remote is not None and ipaddress.ip_address(remote).is_loopback
    except ValueError:
        return False


def metrics_refusal(token: str, authorization: str, remote: str | None) -> str | None:
    """Why a ``/metrics`` request is refused, or None when it may read the numbers."""
    if token:
        given = authorization[7:].strip() if authorization.lower().startswith("bearer ") else ""
        if hmac.compare_digest(given.encode(), token.encode()):
            return None
        return "send Authorization: Bearer <FRONTDESK_METRICS_TOKEN>"
    if is_loopback(remote):
        return None
    return "metrics are served to this host only; set FRONTDESK_METRICS_TOKEN to scrape remotely"


def guard_metrics(token: str, handler: Handler) -> Handler:
    """``handler`` behind :func:`metrics_refusal` (401 with a token set, else 403)."""

    async def guarded(request: web.Request) -> web.StreamResponse:
        why = metrics_refusal(token, request.headers.get("Authorization", ""), request.remote)
        if why is not None:
            status = 401 if token else 403
            extra = {"WWW-Authenticate": "Bearer"} if token else {}
            return web.json_response({"error": why}, status=status, headers=extra)
        return await handler(request)

    return guarded
