"""The agent workspace's JSON API (#12): macros, merging duplicates, linking to a problem.

Routes are added by :func:`add_workspace_routes` from ``handoff.api``; refusals follow the API's
(400 bad input, 403 role, 404 unknown ticket or macro, 409 a ticket in the wrong state).
"""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from models import ValidationError

from .api import SESSION, agent_endpoint, json_body, row_id_of, services, summary, ticket_id_of
from .macros import MacroBook, macro_json
from .merge import link_problem, merge, unlink_problem
from .report_api import report

FAVICON = Path(__file__).parent / "static" / "favicon.svg"
PRESENCES = ("available", "away")


def _book(request: web.Request) -> MacroBook:
    svc = services(request)
    return MacroBook(svc.store, svc.desk.clock)


def _macro_id(request: web.Request) -> int:
    return row_id_of(request, "macro")


@agent_endpoint()
async def list_macros(request: web.Request) -> web.Response:
    found = await _book(request).visible(request[SESSION].agent)
    return web.json_response({"macros": [macro_json(m) for m in found]})


@agent_endpoint()
async def create_macro(request: web.Request) -> web.Response:
    macro = await _book(request).create(request[SESSION].agent, await json_body(request))
    return web.json_response(macro_json(macro), status=201)


@agent_endpoint()
async def change_macro(request: web.Request) -> web.Response:
    body = await json_body(request)
    macro = await _book(request).change(request[SESSION].agent, _macro_id(request), body)
    return web.json_response(macro_json(macro))


@agent_endpoint()
async def delete_macro(request: web.Request) -> web.Response:
    await _book(request).delete(request[SESSION].agent, _macro_id(request))
    return web.json_response({"deleted": True})


@agent_endpoint()
async def merge_ticket(request: web.Request) -> web.Response:
    svc, body = services(request), await json_body(request)
    kept = await merge(
        svc.store, svc.desk, request[SESSION].agent, ticket_id_of(request), body.get("into")
    )
    return web.json_response({"ticket": await summary(svc, kept)})


@agent_endpoint()
async def link_ticket(request: web.Request) -> web.Response:
    svc, body = services(request), await json_body(request)
    ticket = await link_problem(
        svc.store, svc.desk, request[SESSION].agent, ticket_id_of(request), body.get("problem")
    )
    return web.json_response({"ticket": await summary(svc, ticket)})


@agent_endpoint()
async def unlink_ticket(request: web.Request) -> web.Response:
    svc = services(request)
    ticket = await unlink_problem(
        svc.store, svc.desk, request[SESSION].agent, ticket_id_of(request)
    )
    return web.json_response({"ticket": await summary(svc, ticket)})


@agent_endpoint()
async def presence(request: web.Request) -> web.Response:
    """GET: am I available for new tickets? PATCH {"presence": "available"|"away"}."""
    svc, agent_id = services(request), request[SESSION].agent.id
    if request.method == "PATCH":
        wanted = (await json_body(request)).get("presence")
        if wanted not in PRESENCES:
            raise ValidationError('"presence" must be "available" or "away"')
        await svc.store.write(lambda uow: uow.presence.set_away(agent_id, wanted == "away"))
    away = await svc.store.read(lambda uow: uow.presence.is_away(agent_id))
    return web.json_response({"presence": "away" if away else "available"})


async def favicon(request: web.Request) -> web.StreamResponse:
    """Browsers ask for /favicon.ico on every page; answer with the console's icon, not 404."""
    return web.FileResponse(
        FAVICON, headers={"Content-Type": "image/svg+xml", "Cache-Control": "max-age=86400"}
    )


def add_workspace_routes(app: web.Application) -> None:
    r = app.router
    r.add_get("/favicon.ico", favicon)
    r.add_get("/api/agent/me/presence", presence)
    r.add_get("/api/agent/report", report)
    r.add_patch("/api/agent/me/presence", presence)
    r.add_get("/api/agent/macros", list_macros)
    r.add_post("/api/agent/macros", create_macro)
    r.add_patch("/api/agent/macros/{macro_id}", change_macro)
    r.add_delete("/api/agent/macros/{macro_id}", delete_macro)
    r.add_post("/api/agent/tickets/{ticket_id}/merge", merge_ticket)
    r.add_post("/api/agent/tickets/{ticket_id}/link", link_ticket)
    r.add_post("/api/agent/tickets/{ticket_id}/unlink", unlink_ticket)
