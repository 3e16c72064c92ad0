"""CSAT by mail (#14): the rating question's five answers as links to one-click rating pages.

A mail cannot carry buttons, so the email channel writes each answer with a link
``/csat/<token>``; the token names the conversation and the button's payload and is signed
(HMAC-SHA256) with a key kept in the data folder (``keys/csat.key``, made on first start), so
nobody can rate someone else's ticket by guessing. The link opens a page with that score and a
"Send my rating" button: a mail scanner that opens every link rates nothing. The rating goes to
the front desk as the customer's press of that button (the same path as a chat button), and a
second press is the same platform message, stored once. The page speaks the customer's stored
language (German, French, Spanish or English), like the mails that link to it.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import html
import os
import secrets
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING

from aiohttp import web

from models import ChannelKind, Customer, NotFound
from models.csat import CSAT_LABELS, CSAT_PREFIX, parse_csat_payload
from models.texts import Text, _
from service.i18n import Translator

from .ports import InboundEvent

if TYPE_CHECKING:
    from store.database import Store
    from store.unit_of_work import UnitOfWork

Accept = Callable[[InboundEvent], Awaitable[object]]


class CsatLinks:
    def __init__(self, key: bytes, base_url: str) -> None:
        self.key = key
        self.base_url = base_url.rstrip("/")

    @classmethod
    def in_folder(cls, data_dir: str | Path, base_url: str) -> CsatLinks:
        """The key in ``data_dir/keys/csat.key``, made (readable by this user only) if missing."""
        path = Path(data_dir) / "keys" / "csat.key"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            with contextlib.suppress(FileExistsError):  # another process made it first
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "w") as out:
                    out.write(secrets.token_hex(32))
        return cls(bytes.fromhex(path.read_text().strip()), base_url)

    def _sign(self, conversation_id: int, payload: str) -> str:
        message = f"{conversation_id}:{payload}".encode()
        return hmac.new(self.key, message, hashlib.sha256).hexdigest()[:32]

    def url(self, conversation_id: int, payload: str) -> str | None:
        """The rating page for this answer, or None when ``payload`` is not a CSAT answer."""
        found = parse_csat_payload(payload)
        if found is None:
            return None
        ticket, round_, score = found
        token = (
            f"{conversation_id}.{ticket}.{round_}.{score}.{self._sign(conversation_id, payload)}"
        )
        return f"{self.base_url}/csat/{token}"

    def verify(self, token: str) -> tuple[int, str, int]:
        """(conversation id, payload, score) of a token, else NotFound (never "wrong key")."""
        parts = token.split(".")
        if len(parts) != 5 or not all(p.isdigit() for p in parts[:4]):
            raise NotFound("no such rating link")
        conversation_id, ticket, round_, score = (int(p) for p in parts[:4])
        payload = f"{CSAT_PREFIX}:{ticket}:{round_}:{score}"
        if not 1 <= score <= 5 or not hmac.compare_digest(
            parts[4], self._sign(conversation_id, payload)
        ):
            raise NotFound("no such rating link")
        return conversation_id, payload, score


PAGE = """<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title><link rel="stylesheet" href="/static/help.css"></head>
<body><main class="help"><h1>{heading}</h1><p>{text}</p>{form}</main></body></html>"""
LABELS = dict(enumerate(CSAT_LABELS, start=1))
BROKEN = (_("This rating link does not work"), _("It may be cut or mistyped."))


def _page(
    words: Translator, heading: Text, text: Text, form: str = "", status: int = 200
) -> web.Response:
    """The page in ``words``' language (the customer's stored one; English for a bad link)."""
    body = PAGE.format(
        lang=words.language,
        title=html.escape(words.text(_("Rate our support"))),
        heading=html.escape(words.text(heading)),
        text=html.escape(words.text(text)),
        form=form,
    )
    return web.Response(text=body, content_type="text/html", status=status)


def add_routes(
    app: web.Application,
    links: CsatLinks,
    store_of: Callable[[web.Request], Store],
    accept_of: Callable[[web.Request], Accept],
) -> None:
    """``GET /csat/{token}`` shows the chosen score; ``POST`` sends it as the customer's. Both
    speak the customer's language (``customers.language``, as the bot's mails do)."""

    async def customer_of(request: web.Request, conversation_id: int) -> tuple[str, Customer]:
        async def read(uow: UnitOfWork) -> tuple[str, Customer]:
            conversation = await uow.conversations.get(conversation_id)
            return conversation.address, await uow.customers.get(conversation.customer_id)

        return await store_of(request).read(read)

    async def show(request: web.Request) -> web.Response:
        try:
            conversation_id, _payload, score = links.verify(request.match_info["token"])
            _address, customer = await customer_of(request, conversation_id)
        except NotFound:
            return _page(Translator(None), *BROKEN, status=404)
        words = Translator(customer.language)
        label = words.gettext(LABELS[score])
        send = words.text(_("Send my rating: {score}", score=label))
        form = (
            f'<form method="post"><button class="primary" type="submit">'
            f"{html.escape(send)}</button></form>"
        )
        return _page(words, _("How did we do?"), _("You chose {score}.", score=label), form)

    async def rate(request: web.Request) -> web.Response:
        token = request.match_info["token"]
        try:
            conversation_id, payload, score = links.verify(token)
            address, customer = await customer_of(request, conversation_id)
        except NotFound:
            return _page(Translator(None), *BROKEN, status=404)
        await accept_of(request)(
            InboundEvent(
                channel=ChannelKind.EMAIL,
                platform_message_id=f"csat-link:{hashlib.sha256(token.encode()).hexdigest()[:40]}",
                user_id=customer.external_id,
                address=address,
                text="",
                payload=payload,
            )
        )
        words = Translator(customer.language)
        label = words.gettext(LABELS[score])
        return _page(words, _("Thank you!"), _("Your rating ({score}) is recorded.", score=label))

    app.router.add_get("/csat/{token}", show)
    app.router.add_post("/csat/{token}", rate)
