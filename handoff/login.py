"""The console's login and logout forms. A refused login raises (``LoginRefused``,
``LoginThrottled``, ``Forbidden`` for an expired form); ``handoff/error_pages.py`` answers it
with the form again, the reason and the status, as it answers every console error."""

from __future__ import annotations

import hmac
import secrets

from aiohttp import web

from models import Forbidden

from .api import authenticate, csrf_ok, services, set_session_cookie
from .auth import SESSION_COOKIE
from .pages import render_page

LOGIN_PATH = "/console/login"
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
        path=LOGIN_PATH,
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
        raise Forbidden("The login form expired. Please log in again.")
    svc = services(request)
    _agent, token, _csrf = await svc.auth.login(email, password, request.remote or "unknown")
    response = web.HTTPFound(_safe_next(request.query.get("next")))
    set_session_cookie(response, token, svc.secure_cookies)
    raise response


async def logout_submit(request: web.Request) -> web.Response:
    session = await authenticate(request)
    if session is not None:
        if not await csrf_ok(request, session.csrf_token):
            raise web.HTTPForbidden(text="missing or wrong CSRF token")
        await services(request).auth.logout(request.cookies[SESSION_COOKIE], session.agent.id)
    response = web.HTTPFound(LOGIN_PATH)
    response.del_cookie(SESSION_COOKIE, path="/")
    raise response
