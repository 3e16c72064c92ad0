"""Managing agents (#12, admins): ``PATCH /api/agent/agents/{agent_id}`` (name, role, teams,
skills, capacity, active), ``POST /api/agent/agents/{agent_id}/password`` (reset), and the
console's Agents page over them; every agent's own Available/Away toggle is in the top bar
(``/api/agent/me/presence``) and ``POST /api/agent/me/password`` changes their own password,
from the console's password page (``/console/password``, the agent's name in the top bar).
A new password ends every other console session of that agent (#15, 4); the session that set
it stays. Mounted by the composition root with :func:`add_agents_page`."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from models import AgentRole, Forbidden, ValidationError

from .agents import MIN_PASSWORD, change_agent, reset_password
from .api import SESSION, agent_endpoint, json_body, row_id_of, services
from .auth import SESSION_COOKIE, hash_token
from .console import add_page, page_session, render_page
from .error_pages import console_page
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
        services(request).store, _agent_id(request), body.get("password"), _this_session(request)
    )
    answer: dict[str, Any] = {"reset": True, "signed_out": True}
    if made_up is not None:
        answer["password"] = made_up
    return web.json_response(answer)


@agent_endpoint()
async def change_my_password(request: web.Request) -> web.Response:
    """``{"current_password": ..., "password": ...}``: any agent, for themselves; the agent's
    other sessions (another browser, a forgotten laptop) are signed out, this one stays."""
    body = await json_body(request)
    current, new = body.get("current_password"), body.get("password")
    if not isinstance(current, str) or not 0 < len(current) <= 200 or not isinstance(new, str):
        raise ValidationError('send {"current_password": ..., "password": ...}')
    svc, me = services(request), request[SESSION].agent
    await svc.auth.confirm_password(me.id, current)
    if new == current:  # checked after the current one: it tells a guesser nothing
        raise ValidationError('the new "password" must differ from the current one')
    await reset_password(svc.store, me.id, new, _this_session(request))
    return web.json_response({"changed": True, "other_sessions_ended": True})


def _this_session(request: web.Request) -> str:
    """The token hash of the session making the request (it was authenticated already)."""
    return hash_token(request.cookies.get(SESSION_COOKIE, ""))


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


async def password_page(request: web.Request) -> web.Response:
    """Any agent's own password form; ``handoff/static/password.js`` posts it to the API and
    words its refusals (wrong current password, too short, too many tries)."""
    await page_session(request)
    return await render_page(request, "password.html", {"min_password": MIN_PASSWORD})


def add_agents_page(app: web.Application) -> None:
    """The Agents page in the nav (admins), every agent's password page (linked from their name
    in the top bar, not the nav) and the API they call."""
    add_page(app, "Agents", "/console/agents", agents_page, role=AgentRole.ADMIN)
    app.router.add_get("/console/password", console_page(password_page))
    app.router.add_patch("/api/agent/agents/{agent_id}", patch_agent)
    app.router.add_post("/api/agent/agents/{agent_id}/password", reset_agent_password)
    app.router.add_post("/api/agent/me/password", change_my_password)
