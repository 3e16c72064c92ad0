"""Managing agents (#12, admins): ``PATCH /api/agent/agents/{agent_id}`` (name, role, teams,
skills, capacity, active), ``POST /api/agent/agents/{agent_id}/password`` (reset), and the
console's Agents page over them; every agent's own Available/Away toggle is in the top bar
(``/api/agent/me/presence``). Mounted by the composition root with :func:`add_agents_page`."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from models import AgentRole, Forbidden

from .agents import change_agent, reset_password
from .api import SESSION, agent_endpoint, json_body, row_id_of, services
from .console import add_page, page_session, render_page
from .views import agent_json


def _agent_id(request: web.Request) -> int:
    return row_id_of(request, "agent")


@agent_endpoint(AgentRole.ADMIN)
async def patch_agent(request: web.Request) -> web.Response:
    body = await json_body(request)
    agent = await change_agent(
        services(request).store, request[SESSION].agent, _agent_id(request), body
    )
    return web.json_response({"agent": agent_json(agent)})


@agent_endpoint(AgentRole.ADMIN)
async def reset_agent_password(request: web.Request) -> web.Response:
    """``{"password": ...}`` sets it; an empty body makes one up and answers it, once."""
    body = await json_body(request)
    made_up = await reset_password(
        services(request).store, _agent_id(request), body.get("password")
    )
    answer: dict[str, Any] = {"reset": True, "signed_out": True}
    if made_up is not None:
        answer["password"] = made_up
    return web.json_response(answer)


async def agents_page(request: web.Request) -> web.Response:
    session = await page_session(request)
    if not session.agent.role.at_least(AgentRole.ADMIN):
        raise Forbidden("Managing agents is for admins.")
    svc = services(request)
    agents = await svc.store.read(lambda uow: uow.agents.list())
    return await render_page(
        request,
        "agents.html",
        {
            "fragment_template": "_agents_live.html",
            "agents": agents,
            "me": session.agent.id,
            "roles": [r.value for r in AgentRole],
        },
    )


def add_agents_page(app: web.Application) -> None:
    """The Agents page in the nav (admins) and the API it calls."""
    add_page(app, "Agents", "/console/agents", agents_page, role=AgentRole.ADMIN)
    app.router.add_patch("/api/agent/agents/{agent_id}", patch_agent)
    app.router.add_post("/api/agent/agents/{agent_id}/password", reset_agent_password)
