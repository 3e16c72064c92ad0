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
import json
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web

from models import (
    AgentRole,
    Priority,
    TicketStatus,
    TicketType,
    format_ticket_id,
    parse_ticket_id,
)

from .agent_alerts import AlertWatch
from .api import SERVICES, add_api_routes, authenticate, services
from .error_pages import console_page
from .files_api import add_file_routes
from .knowledge_api import add_knowledge_routes, suggestions
from .login import login_page, login_submit, logout_submit
from .macros import previews as macro_previews
from .organisations_api import add_organisation_routes
from .pages import (
    FILTERS,
    JINJA,
    NAV,
    STOPPING,
    TEMPLATE_DIRS,
    NavItem,
    page_session,
    render_page,
    signed_in_role,
)
from .queue import QueueQuery
from .viewer_board import VIEWERS_TOPIC
from .viewers import add_viewer_routes, viewers_event
from .workspace_api import add_workspace_routes

__all__ = ["SERVICES", "NavItem", "add_page", "add_routes", "render_page", "signed_in_role"]

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"
REREAD_SECONDS = 5.0


def add_page(
    app: web.Application,
    label: str,
    href: str,
    handler: Callable[[web.Request], Awaitable[web.StreamResponse]] | None = None,
    *,
    role: AgentRole = AgentRole.AGENT,
    templates: Path | None = None,
) -> None:
    """Add a page to the console's nav bar (and optionally its route and template folder); the
    handler's domain errors become the console's error pages (``handoff/error_pages.py``).

    Call after :func:`add_routes` and before the app starts.
    """
    app[NAV].append(NavItem(label, href, role))
    if templates is not None:
        app[TEMPLATE_DIRS].append(str(templates))
        loader = app[JINJA].loader
        assert isinstance(loader, jinja2.FileSystemLoader)
        loader.searchpath.append(str(templates))
    if handler is not None:
        app.router.add_get(href, console_page(handler))


# -- pages -----------------------------------------------------------------------------------


async def home(request: web.Request) -> web.Response:
    raise web.HTTPFound("/console/queue")


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
    data = await svc.actions.details(ticket_id_of(request))  # NotFound: the error page
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
    change) whenever something moves, with ``notify``: what of it the agent is alerted to
    (``handoff/agent_alerts.py``); ``viewers`` (who opened or types on a ticket,
    ``handoff/viewers.py``) as it is said; a comment line every few seconds keeps it alive."""
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
    stopping = request.app[STOPPING]
    # subscribed before the page hears "open": what it then asks for (who views) reaches it
    queue = svc.bus.subscribe(VIEWERS_TOPIC, svc.bus.subscribe("tickets"))
    try:
        await response.prepare(request)
        fingerprint = await svc.store.read(lambda uow: uow.handoff.change_fingerprint())
        alerts = await AlertWatch.opened(svc.store, session.agent)
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
                if isinstance(first, dict):  # a colleague's presence: passed on, no refresh
                    await response.write(viewers_event(first))
                    continue
                await asyncio.sleep(0.15)  # coalesce a burst of changes into one refresh
                ids = {first}
                while not queue.empty():
                    item = queue.get_nowait()
                    if isinstance(item, dict):
                        await response.write(viewers_event(item))
                    else:
                        ids.add(item)
                changed = sorted(format_ticket_id(i) for i in ids if isinstance(i, int))
                fingerprint = await svc.store.read(lambda uow: uow.handoff.change_fingerprint())
            data = json.dumps({"tickets": changed, "notify": await alerts.news(svc.store)})
            await response.write(f"event: tickets\ndata: {data}\n\n".encode())
    except (ConnectionResetError, asyncio.CancelledError):
        pass
    finally:
        svc.bus.unsubscribe("tickets", queue)
        svc.bus.unsubscribe(VIEWERS_TOPIC, queue)
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
    env.filters.update(FILTERS)

    async def stop_streams(app: web.Application) -> None:
        app[STOPPING].set()

    app.on_shutdown.append(stop_streams)
    add_api_routes(app)
    add_workspace_routes(app)  # macros, merge, problem link
    add_file_routes(app)  # attachments (#14)
    add_knowledge_routes(app)  # articles (#13)
    add_viewer_routes(app)  # "Ann is viewing / typing"
    add_organisation_routes(app)  # customers' companies by email domain (admins)
    r = app.router
    r.add_get("/console", home)
    r.add_get("/console/", home)
    r.add_get("/console/login", console_page(login_page))
    r.add_post("/console/login", console_page(login_submit))
    r.add_post("/console/logout", logout_submit)
    r.add_get("/console/queue", console_page(queue_page))
    r.add_get("/console/tickets/{ticket_id}", console_page(ticket_page))
    r.add_get("/console/events", events)
    r.add_static("/console/static/", STATIC, name="console_static")
