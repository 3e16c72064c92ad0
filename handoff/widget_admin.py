"""The embeddable widget in the console (#14): admins set its look and the sites allowed to
embed it (``GET``/``PUT /api/agent/widget``, the Widget page); agents' typing is shown to the
customer (``POST /api/agent/tickets/{id}/typing``, sent by the console while an agent writes a
reply). The widget itself is served by ``bot/widget.py``."""

from __future__ import annotations

from aiohttp import web

from models import AgentRole, Forbidden, NotFound
from models.widget import WidgetConfig, changed_config
from service.widget import WidgetSettings

from .api import SESSION, agent_endpoint, json_body, services, ticket_id_of
from .console import add_page, page_session, render_page
from .service import HandoffServices


def _widget(svc: HandoffServices) -> WidgetSettings:
    if svc.widget is None:
        raise NotFound("this front desk serves no widget")
    return svc.widget


@agent_endpoint(AgentRole.ADMIN)
async def get_widget(request: web.Request) -> web.Response:
    config = await _widget(services(request)).current()
    return web.json_response({"widget": config.admin()})


@agent_endpoint(AgentRole.ADMIN)
async def put_widget(request: web.Request) -> web.Response:
    """Any of ``colour``, ``title``, ``greeting``, ``position`` (right/left), ``ask_email``,
    ``allowed_origins`` (a list, or one origin per line); the others stay as they are."""
    svc = services(request)
    config = changed_config(await _widget(svc).current(), await json_body(request))
    saved = await _widget(svc).save(config, svc.desk.clock())
    return web.json_response({"widget": saved.admin()})


@agent_endpoint()
async def typing(request: web.Request) -> web.Response:
    """The agent is writing a reply to this ticket's customer (the console sends it every few
    seconds while they type); ``{"typing": false}`` says they stopped."""
    svc = services(request)
    ticket_id, body = ticket_id_of(request), await json_body(request)
    ticket = await svc.store.read(lambda uow: uow.tickets.get(ticket_id))
    if svc.typing is not None:
        if body.get("typing", True) is False:
            svc.typing.stopped(ticket.conversation_id)
        else:
            svc.typing.typing(ticket.conversation_id, request[SESSION].agent.name)
    return web.json_response({"typing": body.get("typing", True) is not False})


async def widget_page(request: web.Request) -> web.Response:
    session = await page_session(request)
    if not session.agent.role.at_least(AgentRole.ADMIN):
        raise Forbidden("The widget's settings are for admins.")
    svc = services(request)
    config = await svc.widget.current() if svc.widget is not None else WidgetConfig()
    snippet = f'<script src="{request.scheme}://{request.host}/widget.js" defer></script>'
    return await render_page(request, "widget.html", {"w": config, "snippet": snippet})


def add_widget_page(app: web.Application) -> None:
    """The Widget page in the nav (admins), its API, and the agents' typing signal."""
    add_page(app, "Widget", "/console/widget", widget_page, role=AgentRole.ADMIN)
    app.router.add_get("/api/agent/widget", get_widget)
    app.router.add_put("/api/agent/widget", put_widget)
    app.router.add_post("/api/agent/tickets/{ticket_id}/typing", typing)
