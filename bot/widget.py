"""The embeddable widget (#14): ``/widget.js``, the look any page may read, and who may embed.

A company pastes ``<script src="https://desk.example.com/widget.js" defer></script>`` into its
site. The script reads ``GET /api/widget/config`` (CORS: only from the allowed origins), adds a
launcher button and opens the chat page ``/widget`` in an iframe, whose CSP ``frame-ancestors``
names the same origins (``bot/http_security.py``). A site that is not on the admin's list gets
neither: the browser refuses it the settings and refuses to show the frame.

CORS covers ``/api/widget/`` and ``/api/chat/`` (a company may build its own chat on the JSON
API): an allowed ``Origin`` is echoed with ``Vary: Origin``; a preflight from any other origin
is answered 403, and its simple requests get no CORS header (the browser keeps the answer from
the page). Credentials are never allowed: the chat API takes a bearer token, not cookies.
"""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from service.widget import WidgetSettings

SETTINGS = web.AppKey("widget_settings", WidgetSettings)
STATIC = Path(__file__).resolve().parent / "static"
CORS_PATHS = ("/api/chat/", "/api/widget/")
PREFLIGHT_HEADERS = {
    "Access-Control-Allow-Methods": "GET, POST",
    "Access-Control-Allow-Headers": "Authorization, Content-Type",
    "Access-Control-Max-Age": "600",
}


async def allowed_origins(request: web.Request) -> tuple[str, ...]:
    """The admin's allow-list (none before the front desk is running)."""
    settings = request.app.get(SETTINGS)
    return (await settings.current()).allowed_origins if settings is not None else ()


async def widget_script(request: web.Request) -> web.StreamResponse:
    response = web.FileResponse(STATIC / "widget.js")
    response.headers["Cache-Control"] = "public, max-age=300"  # a fix reaches sites quickly
    return response


async def widget_config(request: web.Request) -> web.Response:
    """The widget's look (colour, title, greeting, position, whether it asks for an email)."""
    return web.json_response((await request.app[SETTINGS].current()).public())


async def preflight(request: web.Request) -> web.Response:
    origin = request.headers.get("Origin", "")
    if origin not in await allowed_origins(request):
        return web.json_response(
            {"error": f"{origin[:100] or 'this page'} may not use this front desk's chat; "
             "an admin adds the site under Console > Widget > Allowed sites"},
            status=403,
        )  # fmt: skip
    return web.Response(status=204, headers=PREFLIGHT_HEADERS)


async def cors_headers(request: web.Request, response: web.StreamResponse) -> None:
    """The ``on_response_prepare`` hook: CORS for an allowed origin, nothing for another."""
    origin = request.headers.get("Origin")
    if not origin or not request.path.startswith(CORS_PATHS):
        return
    if origin in await allowed_origins(request):
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Expose-Headers"] = "Retry-After"
    response.headers.add("Vary", "Origin")


def add_routes(app: web.Application) -> None:
    """``/widget.js``, ``/api/widget/config`` and the CORS answers; the chat frame ``/widget``
    is the web-chat channel's page. The app sets ``app[SETTINGS]`` before serving."""
    app.router.add_get("/widget.js", widget_script)
    app.router.add_get("/api/widget/config", widget_config)
    for prefix in CORS_PATHS:
        app.router.add_route("OPTIONS", prefix + "{tail:.*}", preflight)
    app.on_response_prepare.append(cors_headers)
