"""The agent JSON API (``/api/agent/...``), described in :mod:`bot.openapi`.

Refusals: 400 bad input, 401 not logged in, 403 wrong role or missing/wrong CSRF token,
404 unknown ticket, 409 illegal lifecycle move (the body names the current ``status``),
429 too many failed logins (with Retry-After). Domain errors become responses in
``bot.app.errors_as_json``; the 401/403/429 cases are answered here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from models import AgentRole, Forbidden, NotSignedIn, ValidationError, parse_ticket_id
from models.inputs import INT64_MAX, INT64_MIN, bounded_int, parse_json

from .agents import MAX_CAPACITY, create_agent, names_list
from .auth import (
    CSRF_FIELD,
    CSRF_HEADER,
    SESSION_COOKIE,
    require_role,
)
from .commands import Reason, Resolve
from .queue import QueueQuery
from .replies import send_reply
from .service import HandoffServices
from .ticket_changes import TicketChanges
from .views import agent_json, ticket_summary

SERVICES = web.AppKey("handoff_services", HandoffServices)
SESSION: web.RequestKey[Any] = web.RequestKey("handoff_session", object)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def services(request: web.Request) -> HandoffServices:
    return request.app[SERVICES]


async def authenticate(request: web.Request) -> Any:
    """The request's session (cached on the request), or None."""
    if SESSION not in request:
        request[SESSION] = await services(request).auth.session(request.cookies.get(SESSION_COOKIE))
    return request[SESSION]


async def csrf_ok(request: web.Request, expected: str) -> bool:
    from .auth import csrf_matches

    given = request.headers.get(CSRF_HEADER)
    if not given and request.content_type in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        given = str((await request.post()).get(CSRF_FIELD) or "")
    return csrf_matches(expected, given)


def agent_endpoint(role: AgentRole = AgentRole.AGENT) -> Callable[[Handler], Handler]:
    """Guard a handler: logged in (401), CSRF on state changes (403), at least ``role`` (403).

    The handler finds the session in ``request["handoff.session"]``.
    """

    def wrap(handler: Handler) -> Handler:
        async def guarded(request: web.Request) -> web.StreamResponse:
            session = await authenticate(request)
            if session is None:
                raise NotSignedIn("log in first: POST /api/agent/login")
            if request.method not in SAFE_METHODS and not await csrf_ok(
                request, session.csrf_token
            ):
                raise Forbidden(f"missing or wrong CSRF token (send the {CSRF_HEADER} header)")
            if not session.agent.role.at_least(role):
                raise Forbidden(f"this needs the {role.value} role or above")
            await services(request).auth.seen(session.agent.id)
            return await handler(request)

        guarded.__name__ = handler.__name__
        guarded.__doc__ = handler.__doc__
        return guarded

    return wrap


async def json_body(request: web.Request) -> dict[str, Any]:
    raw = await request.read()
    if not raw.strip():
        return {}
    body = parse_json(raw)  # size, depth, numbers and text checked: see models.inputs
    if not isinstance(body, dict):
        raise ValidationError("the body must be a JSON object")
    return body


def row_id_of(request: web.Request, noun: str) -> int:
    """The ``{noun}_id`` in the path; one that cannot be a row ID is an unknown ``noun`` (404)."""
    from models import NotFound, ValidationError
    from models.inputs import parse_row_id

    raw = request.match_info[f"{noun}_id"]
    try:
        return parse_row_id(raw, noun)
    except ValidationError:
        raise NotFound(f"{noun} {raw[:40]} does not exist") from None


def ticket_id_of(request: web.Request) -> int:
    from models import NotFound

    try:
        return parse_ticket_id(request.match_info["ticket_id"])
    except ValueError as exc:
        raise NotFound(str(exc)) from None
    except Exception as exc:  # InvalidTicketId: an id that cannot exist is an unknown ticket
        raise NotFound(str(exc)) from None


def client_address(request: web.Request) -> str:
    return request.remote or "unknown"


def set_session_cookie(response: web.StreamResponse, token: str, secure: bool) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="Strict",
        secure=secure,
        path="/",
        max_age=12 * 3600,
    )


# -- session --------------------------------------------------------------------------------


async def login(request: web.Request) -> web.Response:
    if request.content_type != "application/json":  # a cross-site form cannot send this type
        raise ValidationError("send the login as JSON (Content-Type: application/json)")
    body = await json_body(request)
    email, password = body.get("email"), body.get("password")
    if not isinstance(email, str) or not isinstance(password, str) or not email or not password:
        raise ValidationError('send {"email": ..., "password": ...}')
    svc = services(request)
    # a refused login is NotSignedIn (401), a throttled one TooFast (429): see bot/http_errors
    agent, token, csrf = await svc.auth.login(email, password, client_address(request))
    response = web.json_response({"agent": agent_json(agent), "csrf_token": csrf})
    set_session_cookie(response, token, svc.secure_cookies)
    return response


@agent_endpoint()
async def logout(request: web.Request) -> web.Response:
    session = request[SESSION]
    await services(request).auth.logout(request.cookies[SESSION_COOKIE], session.agent.id)
    response = web.json_response({"ok": True})
    response.del_cookie(SESSION_COOKIE, path="/")
    return response


@agent_endpoint()
async def me(request: web.Request) -> web.Response:
    session = request[SESSION]
    return web.json_response({"agent": agent_json(session.agent), "csrf_token": session.csrf_token})


# -- tickets --------------------------------------------------------------------------------


@agent_endpoint()
async def list_tickets(request: web.Request) -> web.Response:
    query = QueueQuery.parse(dict(request.query))
    found = await services(request).actions.queue(request[SESSION].agent, query)
    return web.json_response({"tickets": found})


@agent_endpoint()
async def show_ticket(request: web.Request) -> web.Response:
    return web.json_response(await services(request).actions.details(ticket_id_of(request)))


def _ticket_action(
    name: str, call: Callable[[HandoffServices, Any, int, dict[str, Any]], Awaitable[Any]]
) -> Handler:
    @agent_endpoint()
    async def handler(request: web.Request) -> web.Response:
        svc = services(request)
        ticket_id = ticket_id_of(request)
        body = await json_body(request)
        result = await call(svc, request[SESSION].agent, ticket_id, body)
        if name == "messages":
            from .views import message_json

            return web.json_response({"message": message_json(result)}, status=201)
        return web.json_response({"ticket": await summary(svc, result)})

    handler.__name__ = f"ticket_{name.replace('-', '_')}"
    return handler


ACTIONS: dict[str, Callable[[HandoffServices, Any, int, dict[str, Any]], Awaitable[Any]]] = {
    "claim": lambda s, a, t, b: s.actions.claim(a, t),
    "release": lambda s, a, t, b: s.actions.release(a, t),
    "messages": lambda s, a, t, b: send_reply(s, a, t, b),  # text or macro; takes over
    "escalate": lambda s, a, t, b: s.actions.escalate(a, t, Reason.optional(b)),
    "request-approval": lambda s, a, t, b: s.actions.request_approval(a, t, Reason.optional(b)),
    "approve": lambda s, a, t, b: s.actions.approve(a, t, Reason.optional(b)),
    "reject": lambda s, a, t, b: s.actions.reject(a, t, Reason.required(b)),
    "resolve": lambda s, a, t, b: s.actions.resolve(a, t, Resolve.parse(b)),
    "reopen": lambda s, a, t, b: s.actions.reopen(a, t, Reason.optional(b)),
}


@agent_endpoint()
async def patch_ticket(request: web.Request) -> web.Response:
    svc = services(request)
    ticket_id = ticket_id_of(request)
    changes = TicketChanges.parse(await json_body(request))
    ticket = await svc.actions.update(request[SESSION].agent, ticket_id, changes)
    return web.json_response({"ticket": await summary(svc, ticket)})


async def summary(svc: HandoffServices, ticket: Any) -> dict[str, Any]:
    """The ticket as the queue shows it, with the assignee's email."""
    assignee_id = ticket.assignee_id
    assignee = (
        await svc.store.read(lambda uow: uow.agents.get(assignee_id)) if assignee_id else None
    )
    return ticket_summary(ticket, assignee)


# -- notifications --------------------------------------------------------------------------


@agent_endpoint()
async def list_notifications(request: web.Request) -> web.Response:
    from models import format_ticket_id

    agent_id = request[SESSION].agent.id
    found = await services(request).store.read(lambda uow: uow.notifications.unread(agent_id))
    return web.json_response(
        {
            "notifications": [
                {
                    "id": n.id,
                    "kind": n.kind,
                    "text": n.text,
                    "ticket": format_ticket_id(n.ticket_id) if n.ticket_id else None,
                    "created_at": n.created_at.isoformat(),
                }
                for n in found
            ]
        }
    )


@agent_endpoint()
async def read_notifications(request: web.Request) -> web.Response:
    body = await json_body(request)
    ids = body.get("ids") or []
    if not isinstance(ids, list):
        raise ValidationError('"ids" must be a list of notification ids (or absent for all)')
    ids = [bounded_int(i, "each of the ids", INT64_MIN, INT64_MAX) for i in ids]
    svc = services(request)
    agent_id, now = request[SESSION].agent.id, svc.desk.clock()

    async def work(uow: Any) -> int:
        return int(await uow.notifications.mark_read(agent_id, now, ids))

    count = await svc.store.write(work)
    svc.bus.publish("tickets", None)
    return web.json_response({"read": count})


# -- agents (admins manage, managers may look) ------------------------------------------------


@agent_endpoint(AgentRole.MANAGER)
async def list_agents(request: web.Request) -> web.Response:
    found = await services(request).store.read(lambda uow: uow.agents.list())
    return web.json_response({"agents": [agent_json(a) for a in found]})


@agent_endpoint(AgentRole.ADMIN)
async def add_agent(request: web.Request) -> web.Response:
    body = await json_body(request)
    require_role(request[SESSION].agent, AgentRole.ADMIN, "manage agents")
    teams = names_list(body.get("teams") or ["support"], "teams")
    capacity = bounded_int(body.get("capacity", 5), '"capacity"', 1, MAX_CAPACITY)
    for name in ("email", "name", "password"):
        if not isinstance(body.get(name), str):
            raise ValidationError(f'"{name}" is required')
    agent = await create_agent(
        services(request).store,
        body["email"],
        body["name"],
        str(body.get("role", "agent")),
        body["password"],
        teams=tuple(teams),
        capacity=capacity,
    )
    return web.json_response({"agent": agent_json(agent)}, status=201)


def add_api_routes(app: web.Application) -> None:
    r = app.router
    r.add_post("/api/agent/login", login)
    r.add_post("/api/agent/logout", logout)
    r.add_get("/api/agent/me", me)
    r.add_get("/api/agent/tickets", list_tickets)
    r.add_get("/api/agent/tickets/{ticket_id}", show_ticket)
    r.add_patch("/api/agent/tickets/{ticket_id}", patch_ticket)
    for name, call in ACTIONS.items():
        r.add_post(f"/api/agent/tickets/{{ticket_id}}/{name}", _ticket_action(name, call))
    r.add_get("/api/agent/notifications", list_notifications)
    r.add_post("/api/agent/notifications/read", read_notifications)
    r.add_get("/api/agent/agents", list_agents)
    r.add_post("/api/agent/agents", add_agent)
