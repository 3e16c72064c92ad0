"""An agent changes their own password on the console's password page, in a real browser
(Chromium): each refusal is said in words next to the form (wrong current password, a new one
too short, the same one again, two that differ, too many wrong tries), the change signs the
agent's other sessions out (another browser and an API client), this browser stays in, and the
new password is the one that logs in."""

from __future__ import annotations

from typing import Any

import pytest

from . import test_console_browser
from .conftest import PASSWORD, LiveDesk
from .test_console_workspace_browser import logged_in

pytestmark = pytest.mark.browser
browser = test_console_browser.browser  # the same Chromium fixture

NEW = "a far longer passphrase"


async def change(page: Any, current: str, new: str, again: str | None = None) -> None:
    await page.fill("input[name=current_password]", current)
    await page.fill("input[name=password]", new)
    await page.fill("input[name=confirm]", new if again is None else again)
    await page.click("#password-form button[type=submit]")


async def test_an_agent_changes_their_password_and_their_other_session_ends(
    make_desk: Any, browser: Any, sqlite_url: str
) -> None:
    from playwright.async_api import expect

    desk: LiveDesk = await make_desk(sqlite_url)
    api_client = await desk.agent("kim@example.com")  # Kim's script, signed in over the API
    colleague = await desk.agent("lee@example.com")
    dialogs: list[str] = []
    laptop = await logged_in(browser, desk, "kim@example.com")
    phone = await logged_in(browser, desk, "kim@example.com")
    for page in (laptop, phone):
        page.on("dialog", lambda d: dialogs.append(d.message))

    await laptop.click("header a.who")  # her name in the top bar leads to the page
    await laptop.wait_for_url("**/console/password")
    await expect(laptop.locator("h1")).to_have_text("Your password")
    error, done = laptop.locator("#password-error"), laptop.locator("#password-done")

    await change(laptop, "not my password", NEW)
    await expect(error).to_have_text("Your current password is wrong. Nothing was changed.")
    assert await laptop.input_value("input[name=current_password]") == ""
    await change(laptop, PASSWORD, "short")
    await expect(error).to_contain_text("The new password is too short: use at least 10")
    await change(laptop, PASSWORD, PASSWORD)
    await expect(error).to_contain_text("is the one you have now")
    await change(laptop, PASSWORD, NEW, again=NEW + "!")
    await expect(error).to_contain_text("The two new passwords differ")
    assert (await api_client.call("GET", "/api/agent/me"))[0] == 200  # nothing changed yet
    await phone.reload()
    await expect(phone.locator("header a.who")).to_contain_text("kim")

    await change(laptop, PASSWORD, NEW)
    await expect(done).to_have_text(
        "Password changed. Your other console sessions were signed out; this one stays."
    )
    await expect(error).to_be_hidden()
    assert await laptop.input_value("input[name=password]") == ""  # the form is emptied

    await phone.goto(desk.url("/console/queue"))  # the other browser is signed out
    await phone.wait_for_url("**/console/login**")
    assert (await api_client.call("GET", "/api/agent/me"))[0] == 401
    assert (await colleague.call("GET", "/api/agent/me"))[0] == 200  # only Kim's sessions
    await laptop.goto(desk.url("/console/queue"))  # this one stays
    await expect(laptop.locator("header a.who")).to_contain_text("kim")

    await phone.fill("input[name=email]", "kim@example.com")
    await phone.fill("input[name=password]", PASSWORD)
    await phone.click("button[type=submit]")
    await expect(phone.locator(".alert")).to_contain_text("wrong email or password")
    await phone.fill("input[name=password]", NEW)
    await phone.click("button[type=submit]")
    await phone.wait_for_url("**/console/queue**")
    assert dialogs == []


async def test_too_many_wrong_current_passwords_are_refused_with_the_wait(
    make_desk: Any, browser: Any, sqlite_url: str
) -> None:
    from playwright.async_api import expect

    desk: LiveDesk = await make_desk(sqlite_url)
    await desk.agent("kim@example.com")
    page = await logged_in(browser, desk, "kim@example.com")
    await page.goto(desk.url("/console/password"))
    error = page.locator("#password-error")
    for n in range(5):  # the per-account limit on guesses of the current password
        await change(page, f"guess number {n}", NEW)
        await expect(error).to_have_text("Your current password is wrong. Nothing was changed.")
    await change(page, PASSWORD, NEW)  # even the right one now: the guesser cannot tell
    await expect(error).to_have_text(
        "Too many wrong tries of your current password. Try again in 15 minutes."
    )
    await page.goto(desk.url("/console/queue"))  # still signed in, nothing else locked
    await expect(page.locator("header a.who")).to_contain_text("kim")
