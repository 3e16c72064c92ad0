"""How a console page is rendered: the base layout (nav bar, session, CSRF meta tag), the nav
items pages add, the Jinja filters, and the session a page needs.

Pages beside the console (the classifier admin, reports, agents) are added with
``handoff.console.add_page`` and call :func:`render_page`; ``handoff/console.py`` sets the
environment up in its ``add_routes``.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import aiohttp_jinja2
import jinja2
from aiohttp import web

from models import AgentRole

from .api import authenticate, services

JINJA = web.AppKey("console_jinja", jinja2.Environment)
STOPPING = web.AppKey("console_stopping", asyncio.Event)


@dataclass(frozen=True, slots=True)
class NavItem:
    label: str
    href: str
    role: AgentRole = AgentRole.AGENT


NAV = web.AppKey("console_nav", list)
TEMPLATE_DIRS = web.AppKey("console_template_dirs", list)


def countdown(seconds: int | None) -> str:
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


def clock(value: str | None) -> str:
    if not value:
        return ""
    return datetime.fromisoformat(value).strftime("%d %b %H:%M")


def label(value: str | None) -> str:
    return (value or "").replace("_", " ")


FILTERS = {"countdown": countdown, "clock": clock, "label": label}


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
