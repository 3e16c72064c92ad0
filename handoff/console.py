"""The agent console: server-rendered pages (aiohttp-jinja2) plus the agent JSON API.

Mounted by the composition root with ``handoff.console.add_routes(app)``; the root then sets
``app[handoff.console.SERVICES]`` once the services run. Live updates reach open pages over
Server-Sent Events (``/console/events``): the in-process EventBus's ``"tickets"`` topic makes
them instant, and a re-read of the database every few seconds catches changes made by other
processes. Pages refresh their live region by fetching themselves with ``X-Fragment: 1``.

Other pages (the classifier admin, reports) extend the console with :func:`add_page`: they get
the base layout (nav bar, session, CSRF meta tag) by extending ``base.html``.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp_jinja2
import jinja2
from aiohttp import web

from models import (
    AgentRole,
    Forbidden,
    NotFound,
    Priority,
    TicketStatus,
    TicketType,
    format_ticket_id,
    parse_ticket_id,
)
from service.error_status import status_of

from .api import SERVICES, add_api_routes, authenticate, csrf_ok, services, set_session_cookie
from .auth import SESSION_COOKIE, LoginRefused, LoginThrottled
from .files_api import add_file_routes
from .knowledge_api import add_knowledge_routes, suggestions
from .macros import previews as macro_previews
from .queue import QueueQuery
from .workspace_api import add_workspace_routes

__all__ = ["SERVICES", "NavItem", "add_page", "add_routes", "render_page", "signed_in_role"]

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"
JINJA = web.AppKey("console_jinja", jinja2.Environment)
STOPPING = web.AppKey("console_stopping", asyncio.Event)
REREAD_SECONDS = 5.0


@dataclass(frozen=True, slots=True)
class NavItem:
    label: str
    href: str
    role: AgentRole = AgentRole.AGENT


NAV = web.AppKey("console_nav", list)
TEMPLATE_DIRS = web.AppKey("console_template_dirs", list)


def add_page(
    app: web.Application,
    label: str,
    href: str,
    handler: Callable[[web.Request], Awaitable[web.StreamResponse]] | None = None,
    *,
    role: AgentRole = AgentRole.AGENT,
    templates: Path | None = None,
) -> None:
    """Add a page to the console's nav bar (and optionally its route and template folder).

    Call after :func:`add_routes` and before the app starts.
    """
    app[NAV].append(NavItem(label, href, role))
    if templates is not None:
        app[TEMPLATE_DIRS].append(str(templates))
        loader = app[JINJA].loader
        assert isinstance(loader, jinja2.FileSystemLoader)
        loader.searchpath.append(str(templates))
    if handler is not None:
        app.router.add_get(href, handler)


# -- rendering -------------------------------------------------------------------------------


def _countdown(seconds: int | None) -> str:
    if seconds is None:
        return ""
    sign, s = ("overdue " if seconds < 0 else ""), abs(seconds)
    if s < 3600:
        text = f"{s // 60}m"
    elif s < 86400:
        text = f"{s // 3600}h {s % 3600 // 60}m"
    else:
        text = f"{s // 86400}d {s % 86400 // 3600}h"
    return sign + text + ("" if sign else " left")


def _clock(value: str | None) -> str:
    if not value:
        return ""
    return datetime.fromisoformat(value).strftime("%d %b %H:%M")


def _label(value: str | None) -> str:
    return (value or "").replace("_", " ")


async def render_page(
    request: web.Request, template: str, context: dict[str, Any], status: int = 200
) -> web.Response:
    """Render a console page with the base layout's context (agent, nav, CSRF token)."""
    session = await authenticate(request)
    agent = session.agent if session else None
    nav = [item for item in request.app[NAV] if agent and agent.role.at_least(item.role)]
    if request.headers.get("X-Fragment") == "1" and "fragment_template" in context:
        template = context["fragment_template"]  # just the live region, for a live refresh
    base = {
        "agent": agent,
        "csrf_token": session.csrf_token if session else "",
        "nav": nav,
        "path": request.path,
        "fragment": request.headers.get("X-Fragment") == "1",
    }
    return aiohttp_jinja2.render_template(
        template, request, {**base, **context}, status=status, app_key=JINJA
    )


async def refused_page(request: web.Request, title: str, error: str) -> web.Response:
    """A console page this agent's role may not see: 403 with the way back to the queue."""
    context = {"title": title, "error": error, "back": "/console/queue"}
    return await render_page(
        request, "error.html", {**context, "back_label": "Back to the queue"}, status=403
    )


async def page_session(request: web.Request) -> Any:
    """The session of a console page, or a redirect to the login page."""
    session = await authenticate(request)
    if session is None:
        raise web.HTTPFound("/console/login?" + urlencode({"next": request.path_qs}))
    await services(request).auth.seen(session.agent.id)
    return session


async def signed_in_role(request: web.Request) -> AgentRole | None:
    """The role of the agent signed in to the console, for pages mounted beside it."""
    session = await authenticate(request)
    return session.agent.role if session else None


# -- pages -----------------------------------------------------------------------------------


async def home(request: web.Request) -> web.Response:
    raise web.HTTPFound("/console/queue")


LOGIN_CSRF_COOKIE = "frontdesk_login_csrf"


async def login_form(
    request: web.Request, error: str | None = None, email: str = "", status: int = 200
) -> web.Response:
    """The login form with a fresh double-submit token: the same random value in a cookie and a
    hidden field, so another site cannot log a browser into an account of its choosing."""
    token = secrets.token_urlsafe(24)
    response = await render_page(
        request, "login.html", {"error": error, "email": email, "login_csrf": token}, status
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="Strict",
        secure=services(request).secure_cookies,
        path="/console/login",
        max_age=3600,
    )
    return response


async def login_page(request: web.Request) -> web.Response:
    if await authenticate(request) is not None:
        raise web.HTTPFound("/console/queue")
    return await login_form(request)


def _safe_next(value: str | None) -> str:
    # only local console paths: never an open redirect to another site
    if value and value.startswith("/console/") and not value.startswith("//"):
        return value
    return "/console/queue"


async def login_submit(request: web.Request) -> web.Response:
    form = await request.post()
    email, password = str(form.get("email") or ""), str(form.get("password") or "")
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not hmac.compare_digest(expected, str(form.get("login_csrf") or "")):
        expired = Forbidden("The login form expired. Please log in again.")
        return await login_form(request, str(expired), email, status=status_of(expired))
    svc = services(request)
    try:
        _agent, token, _csrf = await svc.auth.login(email, password, request.remote or "unknown")
    except LoginThrottled as exc:
        response = await login_form(request, str(exc), email, status=status_of(exc))
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    except LoginRefused as exc:
        return await login_form(request, str(exc), email, status=status_of(exc))
    response = web.HTTPFound(_safe_next(request.query.get("next")))
    set_session_cookie(response, token, svc.secure_cookies)
    raise response


async def logout_submit(request: web.Request) -> web.Response:
    session = await authenticate(request)
    if session is not None:
        if not await csrf_ok(request, session.csrf_token):
            raise web.HTTPForbidden(text="missing or wrong CSRF token")
        await services(request).auth.logout(request.cookies[SESSION_COOKIE], session.agent.id)
    response = web.HTTPFound("/console/login")
    response.del_cookie(SESSION_COOKIE, path="/")
    raise response


QUEUE_VIEWS = {"all": None, "mine": "me", "unassigned": "none"}


async def queue_page(request: web.Request) -> web.Response:
    session = await page_session(request)
    params = {k: v for k, v in request.query.items() if v}
    view = params.pop("view", "all")
    if view not in QUEUE_VIEWS:
        view = "all"
    if QUEUE_VIEWS[view]:
        params["assignee"] = QUEUE_VIEWS[view] or ""
    try:
        query = QueueQuery.parse(params)
    except Exception:
        query = QueueQuery()
    svc = services(request)
    tickets = await svc.actions.queue(session.agent, query)
    agent_id = session.agent.id
    notes = await svc.store.read(lambda uow: uow.notifications.unread(agent_id, limit=20))
    teams = sorted({t["team"] for t in tickets if t["team"]} | {svc.routing.default_team})
    return await render_page(
        request,
        "queue.html",
        {
            "fragment_template": "_queue_live.html",
            "tickets": tickets,
            "view": view,
            "filters": request.query,
            "statuses": [s.value for s in TicketStatus],
            "types": [t.value for t in TicketType],
            "priorities": [p.value for p in Priority],
            "teams": teams,
            "notifications": notes,
            "format_ticket_id": format_ticket_id,
        },
    )


async def ticket_page(request: web.Request) -> web.Response:
    from .api import ticket_id_of

    session = await page_session(request)
    svc = services(request)
    try:
        data = await svc.actions.details(ticket_id_of(request))
    except NotFound as exc:
        return await render_page(request, "missing.html", {"error": str(exc)}, status_of(exc))
    agents = await svc.store.read(lambda uow: uow.agents.list())
    return await render_page(
        request,
        "ticket.html",
        {
            "fragment_template": "_ticket_live.html",
            "t": data,
            "agents": [a for a in agents if a.active],
            "is_manager": session.agent.role.at_least(AgentRole.MANAGER),
            "mine": data["assignee_id"] == session.agent.id,
            "types": [t.value for t in TicketType],
            "priorities": [p.value for p in Priority],
            "macros": await macro_previews(svc.store, session.agent, parse_ticket_id(data["id"])),
            "articles": await suggestions(svc, parse_ticket_id(data["id"])),
        },
    )


async def events(request: web.Request) -> web.StreamResponse:
    """Server-Sent Events: ``tickets`` (ids that changed, or [] after another process's
    change) whenever something moves; a comment line every few seconds keeps it alive."""
    session = await authenticate(request)
    if session is None:
        raise web.HTTPUnauthorized(text="log in first")
    svc = services(request)
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/event-stream",
            "Cache-Control": "no-cache",
            "X-Accel-Buffering": "no",
        }
    )
    await response.prepare(request)
    stopping = request.app[STOPPING]
    queue = svc.bus.subscribe("tickets")
    fingerprint = await svc.store.read(lambda uow: uow.handoff.change_fingerprint())
    try:
        await response.write(b"retry: 2000\n\n")
        while not stopping.is_set():
            try:
                first = await asyncio.wait_for(queue.get(), REREAD_SECONDS)
            except TimeoutError:
                now_print = await svc.store.read(lambda uow: uow.handoff.change_fingerprint())
                await svc.auth.seen(session.agent.id)
                if now_print == fingerprint:
                    await response.write(b": ping\n\n")
                    continue
                fingerprint, changed = now_print, []
            else:
                await asyncio.sleep(0.15)  # coalesce a burst of changes into one refresh
                ids = {first}
                while not queue.empty():
                    ids.add(queue.get_nowait())
                changed = sorted(format_ticket_id(i) for i in ids if isinstance(i, int))
                fingerprint = await svc.store.read(lambda uow: uow.handoff.change_fingerprint())
            data = json.dumps({"tickets": changed})
            await response.write(f"event: tickets\ndata: {data}\n\n".encode())
    except (ConnectionResetError, asyncio.CancelledError):
        pass
    finally:
        svc.bus.unsubscribe("tickets", queue)
    return response


# -- mounting --------------------------------------------------------------------------------


def add_routes(app: web.Application) -> None:
    """Mount the console pages, their static files and the agent JSON API."""
    app[NAV] = [NavItem("Queue", "/console/queue")]
    app[TEMPLATE_DIRS] = [str(TEMPLATES)]
    app[STOPPING] = asyncio.Event()
    env = aiohttp_jinja2.setup(
        app,
        loader=jinja2.FileSystemLoader(app[TEMPLATE_DIRS]),  # add_page appends folders
        autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
        app_key=JINJA,
    )
    env.filters.update(countdown=_countdown, clock=_clock, label=_label)

    async def stop_streams(app: web.Application) -> None:
        app[STOPPING].set()

    app.on_shutdown.append(stop_streams)
    add_api_routes(app)
    add_workspace_routes(app)  # macros, merge, problem link
    add_file_routes(app)  # attachments (#14)
    add_knowledge_routes(app)  # articles (#13)
    r = app.router
    r.add_get("/console", home)
    r.add_get("/console/", home)
    r.add_get("/console/login", login_page)
    r.add_post("/console/login", login_submit)
    r.add_post("/console/logout", logout_submit)
    r.add_get("/console/queue", queue_page)
    r.add_get("/console/tickets/{ticket_id}", ticket_page)
    r.add_get("/console/events", events)
    r.add_static("/console/static/", STATIC, name="console_static")
