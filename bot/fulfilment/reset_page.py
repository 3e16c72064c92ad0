"""The page behind a password-reset link (built-in directory only): ``GET/POST /reset/{token}``.

The token in the URL is the only credential: it is looked up by its SHA-256, works once, and
expires. The new password is hashed with argon2 outside the write transaction; using the token
and storing the hash happen in one write, which also resolves the ticket that sent the link.
Tokens are never logged (``frontdesk run`` keeps aiohttp's access log off).
"""

from __future__ import annotations

import asyncio
import html
import logging
import re
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

from service.passwords import MIN_LENGTH, hash_password

from . import secrets as sec

if TYPE_CHECKING:
    from store.database import Store
    from store.unit_of_work import UnitOfWork

    from .driver import FulfilmentDriver

log = logging.getLogger(__name__)


@dataclass
class ResetService:
    """What the routes need: the store, and the driver that finishes the dialogue."""

    store: Store
    driver: FulfilmentDriver

    def clock(self) -> datetime:
        return self.driver.desk.clock()


TOKEN_IN_PATH = re.compile(r"/reset/[^/?#\s]+")
RESETS = web.AppKey("password_resets", ResetService)

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<meta name="referrer" content="no-referrer"><title>{title}</title>
<link rel="stylesheet" href="/static/reset.css"></head>
<body><h1>{title}</h1>{body}</body></html>"""

GONE = (
    "<p>This link has expired or was already used. Reset links work once and only for a "
    "short time.</p><p>Ask our support assistant for a new one if you still need it.</p>"
)


def _page(title: str, body: str, status: int = 200) -> web.Response:
    return web.Response(
        text=PAGE.format(title=html.escape(title), body=body),
        status=status,
        content_type="text/html",
        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
    )


def _form(error: str = "") -> str:
    note = f'<p class="error">{html.escape(error)}</p>' if error else ""
    return (
        f"{note}<p>Choose a new password (at least {MIN_LENGTH} characters).</p>"
        '<form method="post" action="">'
        '<label>New password<input type="password" name="password" required '
        f'minlength="{MIN_LENGTH}" autocomplete="new-password"></label>'
        '<label>Repeat it<input type="password" name="confirm" required '
        f'minlength="{MIN_LENGTH}" autocomplete="new-password"></label>'
        "<button type=submit>Set the new password</button></form>"
    )


async def reset_form(request: web.Request) -> web.Response:
    service = request.app[RESETS]
    token_hash = sec.hash_token(request.match_info["token"])
    token = await service.store.read(lambda uow: uow.fulfilment.reset_token(token_hash))
    if token is None or not token.usable(service.clock()):
        return _page("Link expired", GONE, status=410)
    return _page("Set a new password", _form())


async def reset_submit(request: web.Request) -> web.Response:
    service = request.app[RESETS]
    token_hash = sec.hash_token(request.match_info["token"])
    token = await service.store.read(lambda uow: uow.fulfilment.reset_token(token_hash))
    if token is None or not token.usable(service.clock()):
        return _page("Link expired", GONE, status=410)
    form = await request.post()
    password, confirm = str(form.get("password", "")), str(form.get("confirm", ""))
    if "confirm" in form and password != confirm:
        return _page("Set a new password", _form("The two passwords differ."), status=400)
    if len(password) < MIN_LENGTH:
        error = f"The password must have at least {MIN_LENGTH} characters."
        return _page("Set a new password", _form(error), status=400)
    # argon2 costs tens of milliseconds of CPU: off the event loop, outside the transaction
    password_hash = await asyncio.to_thread(hash_password, password)

    async def use(uow: UnitOfWork) -> bool:
        now = service.clock()
        if not await uow.fulfilment.use_reset_token(token_hash, now):
            return False  # used or expired in the meantime: single use wins
        await uow.accounts.set_password_hash(token.account_id, password_hash, now)
        account = await uow.accounts.get(token.account_id)
        await service.driver.complete_reset(uow, token, account)
        return True

    if not await service.store.write(use):
        return _page("Link expired", GONE, status=410)
    log.info("a password was reset with a mailed link (ticket %s)", token.ticket_id)
    return _page(
        "Password changed",
        "<p>Your new password is set. You can close this page and sign in.</p>",
    )


def add_routes(app: web.Application) -> None:
    app.router.add_get("/reset/{token}", reset_form)
    app.router.add_post("/reset/{token}", reset_submit)


class RedactedAccessLogger(AbstractAccessLogger):
    """An access log that never writes a reset token: ``/reset/<token>`` becomes
    ``/reset/…``. Use it (``access_log_class=``) wherever aiohttp's access log is switched on;
    ``frontdesk run`` keeps the access log off altogether."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        path = TOKEN_IN_PATH.sub("/reset/…", request.path)
        self.logger.info(
            '%s "%s %s" %s %.3fs', request.remote, request.method, path, response.status, time
        )
