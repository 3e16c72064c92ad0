"""What wakes an agent whose console tab is hidden: before, the tab title, the desktop
notification and the sound fired for any change of the queue (a colleague's note, another
team's ticket). Now only a ticket handed to one of the agent's teams and a customer's message on
a ticket the agent owns do: on the event stream (SQLite, PostgreSQL, across two processes) and
in Chromium."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

import pytest

from . import test_console_browser
from .conftest import Customer, LiveDesk
from .test_languages import customer_in
from .test_viewers import console_events

browser = test_console_browser.browser  # the same Chromium fixture

CRASH = "The desktop app freezes and closes whenever I export a PDF."
GERMAN = "Die App stürzt jedes Mal ab, wenn ich einen Bericht exportiere."
ROUTING = """
default_team = "support"

[[rules]]
language = "de"
team = "berlin"

[[rules]]
team = "support"
"""


async def two_teams(make_desk: Any, url: str, tmp_path: Path) -> LiveDesk:
    """A desk whose German customers go to team berlin, everyone else's to support."""
    rules = tmp_path / "routing.toml"
    rules.write_text(ROUTING)
    desk: LiveDesk = await make_desk(url, routing_file=str(rules))
    return desk


async def german_ticket(desk: LiveDesk) -> str:
    """A German customer's ticket (team berlin): its ID."""
    customer = await customer_in(desk, "de-DE")
    await customer.say(GERMAN)
    reply = await customer.wait_for(lambda m: "FD-" in m["text"])
    if len(reply["buttons"]) > 2:  # a clarifying question first: "talk to a person"
        await customer.say(payload=reply["buttons"][0]["payload"])
        reply = await customer.wait_for(lambda m: "FD-" in m["text"] and m is not reply)
    return re.search(r"FD-\d+", reply["text"]).group(0)  # type: ignore[union-attr]


async def until(events: list[dict[str, Any]], count: int) -> list[dict[str, Any]]:
    """The alerts of the ``tickets`` events once there are ``count`` (or after 15 s)."""
    for _ in range(300):
        if sum(len(e["notify"]) for e in events) >= count:
            break
        await asyncio.sleep(0.05)
    return [alert for e in events for alert in e["notify"]]


async def only_my_teams_and_my_customers_alert(
    desk: LiveDesk, other: LiveDesk, tmp_path: Path
) -> None:
    """ann (team support) listens on ``other``; everything happens on ``desk``."""
    ann = await other.agent("ann@example.com")
    kim = await desk.agent("kim@example.com", teams=("berlin",))
    mine: Customer = await desk.customer()
    t1 = await mine.opens_ticket(CRASH)
    await ann.ok("POST", f"/api/agent/tickets/{t1}/claim")

    opened = asyncio.Event()
    events: list[dict[str, Any]] = []
    reader = asyncio.create_task(console_events(ann, "tickets", events, opened))
    try:
        await asyncio.wait_for(opened.wait(), 10)
        await asyncio.sleep(0.3)  # the stream took its marks
        berlin = await german_ticket(desk)  # another team's ticket
        await kim.ok("POST", f"/api/agent/tickets/{berlin}/claim")
        await kim.ok(
            "POST", f"/api/agent/tickets/{t1}/messages", {"text": "Same on 4.2", "internal": True}
        )
        t3 = await (await desk.customer()).opens_ticket(CRASH)  # my team's: alerted
        await mine.say("It happened again just now, with a smaller file.")  # on my ticket
        await until(events, 2)
        await asyncio.sleep(0.5)  # nothing else follows
        alerts = await until(events, 2)
        assert [(a["kind"], a["ticket"]) for a in alerts] == [("new", t3), ("reply", t1)]
        assert alerts[0]["text"] == CRASH
        assert alerts[1]["text"] == "It happened again just now, with a smaller file."
    finally:
        reader.cancel()
        await asyncio.gather(reader, return_exceptions=True)


async def test_only_my_teams_tickets_and_my_customers_replies_alert(
    make_desk: Any, database_url: str, tmp_path: Path
) -> None:
    desk = await two_teams(make_desk, database_url, tmp_path)
    await only_my_teams_and_my_customers_alert(desk, desk, tmp_path)


async def test_alerts_cross_processes_on_postgresql(
    postgres_url: str, make_desk: Any, tmp_path: Path
) -> None:
    # postgres_url first: its database is dropped after both desks have stopped
    one = await two_teams(make_desk, postgres_url, tmp_path)
    other = await two_teams(make_desk, postgres_url, tmp_path)
    await only_my_teams_and_my_customers_alert(one, other, tmp_path)


FAKE_NOTIFICATIONS = """
window.__notes = [];
window.Notification = class {
  static permission = "granted";
  static requestPermission() { return Promise.resolve("granted"); }
  constructor(title, options) { window.__notes.push(title + " | " + options.body); }
};
localStorage.setItem("fd-notify", "1");
"""


@pytest.mark.browser
async def test_the_hidden_tab_alerts_only_for_my_teams_and_my_customers(
    make_desk: Any, browser: Any, sqlite_url: str, tmp_path: Path
) -> None:
    from playwright.async_api import expect

    from .test_console_workspace_browser import COUNT_BEEPS, logged_in

    desk = await two_teams(make_desk, sqlite_url, tmp_path)
    ann = await desk.agent("ann@example.com")
    kim = await desk.agent("kim@example.com", teams=("berlin", "support"))
    mine = await desk.customer()
    t1 = await mine.opens_ticket(CRASH)
    await ann.ok("POST", f"/api/agent/tickets/{t1}/claim")  # ann's ticket
    page = await logged_in(browser, desk, "ann@example.com")
    await page.context.add_init_script(FAKE_NOTIFICATIONS + COUNT_BEEPS)
    await page.evaluate("localStorage.setItem('fd-sound', '1')")
    await page.reload()
    await expect(page.locator("#live-status")).not_to_have_class("live off")
    title = await page.title()
    await page.evaluate(
        "Object.defineProperty(document, 'hidden', {configurable: true, get: () => true})"
    )

    berlin = await german_ticket(desk)  # another team's new ticket: silent
    await kim.ok("POST", f"/api/agent/tickets/{t1}/messages", {"text": "Seen it", "internal": True})
    await expect(page.locator("#queue tr.row", has_text=berlin)).to_be_visible()  # refreshed
    assert await page.title() == title
    assert await page.evaluate("window.__notes") == []
    assert await page.evaluate("window.__beeps") == 0

    t3 = await (await desk.customer()).opens_ticket(CRASH)  # my team's new ticket
    await expect(page).to_have_title("(1) " + title)
    await mine.say("It happened again just now.")  # my customer writes
    await expect(page).to_have_title("(2) " + title)
    notes = await page.evaluate("window.__notes")
    assert notes == [
        f"New ticket | New {t3}: {CRASH}",
        f"Customer replied | Reply on {t1}: It happened again just now.",
    ]
    assert await page.evaluate("window.__beeps") == 2
