"""The page behind a reset link, as a customer's browser meets it (issue #15, 8: the behaviours
mutation testing found untested): a mistyped or too short password is said so and the link
stays usable, the shortest allowed password works, every answer keeps the token out of caches,
referrers and the access log, and a link that never existed is simply gone."""

from __future__ import annotations

import logging

import pytest
from aiohttp import ClientResponse

from service.passwords import MIN_LENGTH, verify_password

from .conftest import DeskFactory
from .test_reset_link_revocation import form, mailed_link


def private(response: ClientResponse) -> None:
    """What every answer of the reset page carries: the URL holds the token."""
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.content_type == "text/html"


async def test_a_mistake_on_the_reset_page_is_explained_and_the_link_still_works(
    make_desk: DeskFactory, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="aiohttp.access")
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
    assert any('"GET /reset/…" 200' in line for line in access), access
    assert any('"POST /reset/…" 400' in line for line in access), access
    assert not any(token in line for line in access)


async def test_a_link_that_never_existed_is_gone(make_desk: DeskFactory) -> None:
    desk = await make_desk()
    for response in (
        await desk.client.get("/reset/made-up-token"),
        await desk.client.post("/reset/made-up-token", data=form("a-long-enough-password")),
    ):
        assert response.status == 410
        private(response)
        assert "expired or was already used" in await response.text()
