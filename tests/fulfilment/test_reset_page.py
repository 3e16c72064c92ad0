"""The page behind a reset link, as a customer's browser meets it (issue #15, 8: the behaviours
mutation testing found untested): a mistyped or too short password is said so and the link
stays usable, the shortest allowed password works, every answer keeps the token out of caches,
referrers and the access log, and a link that never existed is simply gone."""

from __future__ import annotations

import logging
import re
from html.parser import HTMLParser

import pytest
from aiohttp import ClientResponse

from bot.fulfilment.secrets import hash_token
from service.passwords import MIN_LENGTH, verify_password

from .conftest import DeskFactory
from .test_reset_link_revocation import form, mailed_link


def private(response: ClientResponse) -> None:
    """What every answer of the reset page carries: the URL holds the token."""
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.content_type == "text/html"


class PageReader(HTMLParser):
    """What a customer sees on one of the reset pages and what their browser would post: the
    title, the heading, the visible text, the error shown, the form's fields."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.title = self.heading = self.error = ""
        self.text: list[str] = []
        self.fields: dict[str, dict[str, str | None]] = {}
        self.forms: list[dict[str, str | None]] = []
        self._in: list[str] = []
        self.feed(page)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "input" and found.get("name"):
            self.fields[str(found["name"])] = found
        elif tag == "form":
            self.forms.append(found)
        elif tag == "p" and found.get("class") == "error":
            self._in.append("error")
        elif tag in ("title", "h1"):
            self._in.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if self._in and tag in ("title", "h1", "p"):
            self._in.pop()

    def handle_data(self, data: str) -> None:
        where = self._in[-1] if self._in else ""
        if where == "title":
            self.title += data
            return
        self.text.append(data)
        if where == "h1":
            self.heading += data
        elif where == "error":
            self.error += data

    @property
    def visible(self) -> str:
        return " ".join(" ".join(self.text).split())


async def read(response: ClientResponse) -> PageReader:
    return PageReader(await response.text())


FORM_TEXT = (
    f"Choose a new password (at least {MIN_LENGTH} characters). New password Repeat it "
    "Set the new password"
)


async def test_the_reset_pages_read_as_they_should_and_their_own_form_works(
    make_desk: DeskFactory,
) -> None:
    """Titles, wording, the error shown and the field names the form posts (a browser posts
    what the page names: a field renamed on the page would never reach the server)."""
    desk = await make_desk()
    await desk.add_account("carol@example.com", "Carol")
    link = await mailed_link(desk, 1)

    fresh = await read(await desk.client.get(link))
    assert (fresh.title, fresh.heading) == ("Set a new password", "Set a new password")
    assert fresh.visible == f"Set a new password {FORM_TEXT}"
    assert fresh.error == "" and 'class="error"' not in await (await desk.client.get(link)).text()
    assert fresh.forms == [{"method": "post", "action": ""}]
    for name in ("password", "confirm"):
        assert fresh.fields[name] == {
            "type": "password",
            "name": name,
            "required": None,
            "minlength": str(MIN_LENGTH),
            "autocomplete": "new-password",
        }
    new_password = "y" * MIN_LENGTH

    def filled(password: str, confirm: str) -> dict[str, str]:
        names = list(fresh.fields)
        return {names[0]: password, names[1]: confirm}

    differ = await read(await desk.client.post(link, data=filled(new_password, "z" * 12)))
    short = await read(await desk.client.post(link, data=filled("y" * 9, "y" * 9)))
    for page, error in (
        (differ, "The two passwords differ."),
        (short, f"The password must have at least {MIN_LENGTH} characters."),
    ):
        assert (page.title, page.heading, page.error) == ("Set a new password",) * 2 + (error,)
        assert page.visible == f"Set a new password {error} {FORM_TEXT}"

    done = await read(await desk.client.post(link, data=filled(new_password, new_password)))
    assert (done.title, done.heading) == ("Password changed", "Password changed")
    assert done.visible == (
        "Password changed Your new password is set. You can close this page and sign in."
    )
    gone = await read(await desk.client.get(link))
    assert (gone.title, gone.heading) == ("Link expired", "Link expired")
    assert gone.visible.startswith("Link expired This link has expired or was already used.")
    again = await read(await desk.client.post(link, data=filled(new_password, new_password)))
    assert (again.title, again.visible) == (gone.title, gone.visible)


async def test_a_mistake_on_the_reset_page_is_explained_and_the_link_still_works(
    make_desk: DeskFactory, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="aiohttp.access")
    caplog.set_level(logging.INFO, logger="bot.fulfilment.reset_page")
    desk = await make_desk()
    await desk.add_account("carol@example.com", "Carol")
    link = await mailed_link(desk, 1)
    token = link.rsplit("/", 1)[1]

    page = await desk.client.get(link)
    assert page.status == 200
    private(page)
    html = await page.text()
    assert f'minlength="{MIN_LENGTH}"' in html and 'name="confirm"' in html
    assert '<meta name="referrer" content="no-referrer">' in html

    shortest = "x" * MIN_LENGTH
    mistyped = await desk.client.post(link, data={"password": shortest, "confirm": shortest + "!"})
    assert mistyped.status == 400
    private(mistyped)
    assert "The two passwords differ." in await mistyped.text()

    too_short = await desk.client.post(link, data=form("x" * (MIN_LENGTH - 1)))
    assert too_short.status == 400
    private(too_short)
    said = await too_short.text()
    assert f"at least {MIN_LENGTH} characters" in said and '<form method="post"' in said
    account = await desk.account("carol@example.com")
    assert await desk.fd.store.read(lambda uow: uow.accounts.password_hash(account.id)) is None

    assert (await desk.client.get(link)).status == 200  # the mistakes did not use the link
    # a password manager may post the new password alone: no confirmation to compare
    done = await desk.client.post(link, data={"password": shortest})
    assert done.status == 200
    private(done)
    assert "Your new password is set" in await done.text()
    stored = await desk.fd.store.read(lambda uow: uow.accounts.password_hash(account.id))
    assert stored and verify_password(stored, shortest)

    access = [r.getMessage() for r in caplog.records if r.name == "aiohttp.access"]
    assert any(re.fullmatch(r'127\.0\.0\.1 "GET /reset/…" 200 \d+\.\d{3}s', x) for x in access)
    assert any(re.fullmatch(r'127\.0\.0\.1 "POST /reset/…" 400 \d+\.\d{3}s', x) for x in access)
    assert not any(token in line for line in access)
    audit = [r.getMessage() for r in caplog.records if r.name == "bot.fulfilment.reset_page"]
    ticket = await desk.fd.store.read(lambda uow: uow.fulfilment.reset_token(hash_token(token)))
    assert ticket is not None and ticket.ticket_id is not None
    assert audit == [f"a password was reset with a mailed link (ticket {ticket.ticket_id})"]


async def test_a_link_that_never_existed_is_gone(make_desk: DeskFactory) -> None:
    desk = await make_desk()
    for response in (
        await desk.client.get("/reset/made-up-token"),
        await desk.client.post("/reset/made-up-token", data=form("a-long-enough-password")),
    ):
        assert response.status == 410
        private(response)
        assert "expired or was already used" in await response.text()
