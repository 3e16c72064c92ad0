"""The agent workspace in a real browser (Chromium): an agent searches with "/", tags a ticket,
sends a macro from the reply box's picker, merges a duplicate; and the queue is usable on a
390 px phone. Screenshots go where FRONTDESK_SCREENSHOTS says (docs/screenshots refreshes the
docs' pictures), else to tmp_path."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest

from . import test_console_browser
from .conftest import PASSWORD, LiveDesk
from .test_console_browser import SCREENSHOTS_ENV

pytestmark = pytest.mark.browser
browser = test_console_browser.browser  # the same Chromium fixture

CRASH = "The desktop app freezes and closes whenever I export a PDF."
SAME_CRASH = "Exporting a PDF makes the desktop app crash for me too."
CRASH_TEAMS = ("support", "engineering")
"""The teams an agent alerted to a new crash ticket is in (routing.toml sends a bad one to
engineering): only tickets of one's own teams badge the hidden tab."""


async def logged_in(browser: Any, desk: LiveDesk, email: str, **context: Any) -> Any:
    page = await (await browser.new_context(**context)).new_page()
    await page.goto(desk.url("/console/"))
    await page.fill("input[name=email]", email)
    await page.fill("input[name=password]", PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_url("**/console/queue**")
    return page


async def test_search_tags_a_macro_and_a_merge_in_the_console(
    make_desk: Any, browser: Any, sqlite_url: str, tmp_path: Path
) -> None:
    from playwright.async_api import expect

    desk: LiveDesk = await make_desk(sqlite_url)
    ann = await desk.agent("ann@example.com")
    first = await desk.customer()
    tid = await first.opens_ticket(CRASH)
    await first.say("The failing file is called pelican-weekly-3.")
    dup = await (await desk.customer()).opens_ticket(SAME_CRASH)
    await ann.ok(
        "POST",
        "/api/agent/macros",
        {"name": "On it", "text": "Thanks! {{agent.name}} is working on {{ticket.id}}."},
    )
    shots = Path(os.environ.get(SCREENSHOTS_ENV) or tmp_path)

    page = await logged_in(
        browser, desk, "ann@example.com", viewport={"width": 1400, "height": 860}
    )
    dialogs: list[str] = []
    page.on("dialog", lambda d: dialogs.append(d.message))
    await page.keyboard.press("/")
    await expect(page.locator("#search")).to_be_focused()
    await page.keyboard.type("pelican-weekly-3")
    await page.keyboard.press("Enter")
    rows = page.locator("#queue tr.row")
    await expect(rows).to_have_count(1)
    await expect(rows.first).to_contain_text(tid)
    await expect(rows.first.locator(".snippet mark").first).to_have_text("pelican")
    await page.screenshot(path=str(shots / "search.png"))

    await rows.first.locator("a.tid").click()
    await page.fill("#tags-input", "reports, Email")
    await page.click("#tags-form button")
    await expect(page.locator("#workspace-box .tags")).to_contain_text("email")
    await expect(page.locator("#workspace-box .tags")).to_contain_text("reports")

    await page.select_option("#macro-picker", label="On it")
    await expect(page.locator("#reply-text")).to_have_value(f"Thanks! ann is working on {tid}.")
    await page.click("#send-reply")
    await first.wait_for(lambda m: m["sender"] == "agent" and f"working on {tid}" in m["text"])
    await expect(page.locator("#transcript")).to_contain_text(f"working on {tid}")
    await page.screenshot(path=str(shots / "workspace-ticket.png"))

    await page.goto(desk.url(f"/console/tickets/{dup}"))
    await page.fill("#merge-form input[name=into]", tid)
    await page.click("#merge-form button")
    await expect(page.locator("#workspace-box")).to_contain_text(f"Merged into {tid}")
    await page.goto(desk.url("/console/queue?tag=reports"))
    await expect(page.locator("#queue tr.row")).to_have_count(1)
    assert dialogs == []

    async with desk.http().get(desk.url("/favicon.ico")) as r:
        assert r.status == 200 and r.content_type == "image/svg+xml"


async def test_the_queue_fits_a_390_px_phone(
    make_desk: Any, browser: Any, sqlite_url: str, tmp_path: Path
) -> None:
    from playwright.async_api import expect

    desk: LiveDesk = await make_desk(sqlite_url)
    await desk.agent("ann@example.com")
    long = "The export crashes. " + "It happens every single time we try. " * 100
    tid = await (await desk.customer()).opens_ticket(long[:3900])
    page = await logged_in(browser, desk, "ann@example.com", viewport={"width": 390, "height": 844})
    row = page.locator("#queue tr.row", has_text=tid)
    await expect(row).to_be_visible()
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390  # nothing sticks out of the screen: the page never scrolls sideways
    for link in ("Queue", "Log out"):
        await expect(page.get_by_text(link, exact=True).first).to_be_in_viewport()
    assert len(await row.locator(".desc").inner_text()) < 400  # not 4,000 characters
    shots = Path(os.environ.get(SCREENSHOTS_ENV) or tmp_path)
    await page.screenshot(path=str(shots / "queue-390px.png"))


async def test_bulk_actions_assign_and_tag_the_selected_tickets(
    make_desk: Any, browser: Any, sqlite_url: str
) -> None:
    from playwright.async_api import expect

    desk: LiveDesk = await make_desk(sqlite_url)
    ann = await desk.agent("ann@example.com")
    first = await (await desk.customer()).opens_ticket(CRASH)
    second = await (await desk.customer()).opens_ticket(SAME_CRASH)
    third = await (await desk.customer()).opens_ticket("Our API answers 503 since noon.")
    page = await logged_in(
        browser, desk, "ann@example.com", viewport={"width": 1300, "height": 800}
    )
    await expect(page.locator("#bulk")).to_be_hidden()
    for tid in (first, second):
        await page.locator(f'#queue input.pick[value="{tid}"]').check()
    await expect(page.locator("#bulk-count")).to_have_text("2")
    await page.click('#bulk button[data-bulk="assign"]')
    await expect(page.locator("#queue tr.row", has_text=first)).to_contain_text("ann")
    await expect(page.locator("#queue tr.row", has_text=second)).to_contain_text("ann")
    await page.fill("#bulk-tag", "vip")
    await page.click('#bulk button[data-bulk="tag"]')
    await expect(page.locator("#queue tr.row", has_text=second)).to_contain_text("vip")
    for tid, owner, tags in (
        (first, "ann@example.com", ["vip"]),
        (second, "ann@example.com", ["vip"]),
    ):
        details = await ann.ticket(tid)
        assert (details["assignee"], details["tags"]) == (owner, tags)
    untouched = await ann.ticket(third)
    assert untouched["tags"] == [] and untouched["assignee"] is None


async def test_the_tab_title_counts_changes_while_the_tab_is_hidden(
    make_desk: Any, browser: Any, sqlite_url: str
) -> None:
    from playwright.async_api import expect

    desk: LiveDesk = await make_desk(sqlite_url)
    await desk.agent("ann@example.com", teams=CRASH_TEAMS)
    page = await logged_in(browser, desk, "ann@example.com")
    await expect(page.locator("#live-status")).not_to_have_class("live off")
    title = await page.title()
    await page.evaluate(
        "Object.defineProperty(document, 'hidden', {configurable: true, get: () => true})"
    )
    tid = await (await desk.customer()).opens_ticket(CRASH)
    await expect(page).to_have_title(re.compile(r"^\(\d+\) " + re.escape(title)))
    await page.evaluate(
        "Object.defineProperty(document, 'hidden', {configurable: true, get: () => false});"
        "document.dispatchEvent(new Event('visibilitychange'))"
    )
    await expect(page).to_have_title(title)
    await expect(page.locator("#queue tr.row", has_text=tid)).to_be_visible()


COUNT_BEEPS = """
window.__beeps = 0;
const Real = window.AudioContext;
window.AudioContext = class extends Real {
  createOscillator() {
    const tone = super.createOscillator();
    const start = tone.start.bind(tone);
    tone.start = (...when) => { window.__beeps += 1; return start(...when); };
    return tone;
  }
};
"""


async def test_an_opt_in_sound_plays_for_changes_while_hidden_and_is_remembered(
    make_desk: Any, browser: Any, sqlite_url: str
) -> None:
    """Off by default: a change while the tab is hidden badges the title, silently. Switched
    on (the button, a preview beep), each change beeps; the choice survives a reload."""
    from playwright.async_api import expect

    desk: LiveDesk = await make_desk(sqlite_url)
    await desk.agent("ann@example.com", teams=CRASH_TEAMS)
    context = await browser.new_context()
    await context.add_init_script(COUNT_BEEPS)  # counts the tones the page starts
    page = await context.new_page()
    await page.goto(desk.url("/console/"))
    await page.fill("input[name=email]", "ann@example.com")
    await page.fill("input[name=password]", PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_url("**/console/queue**")
    toggle = page.locator("#sound-toggle")
    await expect(toggle).to_have_attribute("aria-pressed", "false")
    hide = "Object.defineProperty(document, 'hidden', {configurable: true, get: () => true})"

    async def change_while_hidden() -> None:
        await expect(page.locator("#live-status")).not_to_have_class("live off")
        await page.evaluate(hide)
        title = await page.title()
        await (await desk.customer()).opens_ticket(CRASH)
        await expect(page).not_to_have_title(title)  # the badge counted the change

    await change_while_hidden()
    assert await page.evaluate("window.__beeps") == 0  # not opted in: silent

    await page.reload()
    await toggle.click()
    await expect(toggle).to_have_attribute("aria-pressed", "true")
    assert await page.evaluate("window.__beeps") == 1  # the preview
    await page.reload()  # remembered by this browser
    await expect(toggle).to_have_attribute("aria-pressed", "true")
    await change_while_hidden()
    assert await page.evaluate("window.__beeps") >= 1  # the change sounded

    await page.reload()
    await toggle.click()  # off again
    await expect(toggle).to_have_attribute("aria-pressed", "false")
    await change_while_hidden()
    assert await page.evaluate("window.__beeps") == 0
