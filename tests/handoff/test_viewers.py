"""Who else has a ticket open: before, two agents could answer one customer at once without
either knowing. Now a ticket page says "ann is viewing" and "ann is typing…" to a colleague on
the same ticket, through the console's event stream: on one process, across two front desks on
one PostgreSQL database (the bus's relay), and in two Chromium windows."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from . import test_console_browser
from .conftest import Agent, LiveDesk

browser = test_console_browser.browser  # the same Chromium fixture
CRASH = "The desktop app freezes and closes whenever I export a PDF."


async def console_events(
    agent: Agent, wanted: str, out: list[dict[str, Any]], opened: asyncio.Event | None = None
) -> None:
    """Read ``agent``'s console event stream, collecting the data of its ``wanted`` events
    (``opened`` is set once the stream answered)."""
    async with agent.http.get(agent.desk.url("/console/events")) as stream:
        assert stream.status == 200
        if opened is not None:
            opened.set()
        kind = ""
        async for raw in stream.content:
            line = raw.decode().strip()
            if line.startswith("event: "):
                kind = line[7:]
            elif line.startswith("data: ") and kind == wanted:
                out.append(json.loads(line[6:]))


async def heard(seen: list[dict[str, Any]], **wanted: Any) -> dict[str, Any]:
    for _ in range(200):
        for signal in seen:
            if all(signal.get(k) == v for k, v in wanted.items()):
                return signal
        await asyncio.sleep(0.05)
    raise AssertionError(f"never heard {wanted}; heard {seen}")


async def signals_reach_a_colleague(ann: Agent, kim: Agent, tid: str) -> None:
    seen: list[dict[str, Any]] = []
    reader = asyncio.create_task(console_events(kim, "viewers", seen))
    try:
        await asyncio.sleep(0.5)  # the stream is open
        await ann.ok("POST", f"/api/agent/tickets/{tid}/viewers", {"state": "viewing"})
        viewing = await heard(seen, ticket=tid, state="viewing")
        assert viewing["agent"] == "ann"
        await ann.ok("POST", f"/api/agent/tickets/{tid}/viewers", {"state": "typing"})
        await heard(seen, ticket=tid, agent="ann", state="typing")
        await ann.ok("POST", f"/api/agent/tickets/{tid}/viewers", {"state": "left"})
        await heard(seen, ticket=tid, agent="ann", state="left")
    finally:
        reader.cancel()
        await asyncio.gather(reader, return_exceptions=True)


async def test_a_colleague_hears_who_views_and_types_on_a_ticket(desk: LiveDesk) -> None:
    tid = await (await desk.customer()).opens_ticket(CRASH)
    ann, kim = await desk.agent("ann@example.com"), await desk.agent("kim@example.com")
    await signals_reach_a_colleague(ann, kim, tid)

    status, body = await ann.call("POST", f"/api/agent/tickets/{tid}/viewers", {"state": "x"})
    assert status == 400 and "state" in body["error"]
    status, _ = await ann.call("POST", "/api/agent/tickets/FD-999999/viewers", {"state": "typing"})
    assert status == 404
    async with desk.http().post(desk.url(f"/api/agent/tickets/{tid}/viewers"), json={}) as r:
        assert r.status == 401  # not signed in


async def test_presence_crosses_processes_on_postgresql(postgres_url: str, make_desk: Any) -> None:
    # postgres_url first: its database is dropped after both desks have stopped
    one: LiveDesk = await make_desk(postgres_url)
    other: LiveDesk = await make_desk(postgres_url)  # another front desk on the same database
    tid = await (await one.customer()).opens_ticket(CRASH)
    ann, kim = await one.agent("ann@example.com"), await other.agent("kim@example.com")
    await signals_reach_a_colleague(ann, kim, tid)


async def ann_and_kim(make_desk: Any, browser: Any, url: str) -> tuple[LiveDesk, str, Any, Any]:
    """A desk with a customer's ticket, and agents ann and kim each in their own Chromium on
    the queue: the desk, the ticket's ID, ann's page and kim's."""
    from .test_console_workspace_browser import logged_in

    desk: LiveDesk = await make_desk(url)
    await desk.agent("ann@example.com")
    await desk.agent("kim@example.com")
    tid = await (await desk.customer()).opens_ticket(CRASH)
    ann = await logged_in(browser, desk, "ann@example.com")
    kim = await logged_in(browser, desk, "kim@example.com")
    return desk, tid, ann, kim


@pytest.mark.browser
async def test_two_agents_on_one_ticket_see_each_other(
    make_desk: Any, browser: Any, sqlite_url: str
) -> None:
    from playwright.async_api import expect

    desk, tid, ann, kim = await ann_and_kim(make_desk, browser, sqlite_url)
    await kim.goto(desk.url(f"/console/tickets/{tid}"))
    await expect(kim.locator("#viewers")).to_be_hidden()  # alone on it

    await ann.goto(desk.url(f"/console/tickets/{tid}"))
    await expect(kim.locator("#viewers")).to_have_text("ann is viewing", timeout=10_000)
    await expect(ann.locator("#viewers")).to_have_text("kim is viewing", timeout=10_000)

    await ann.fill("#reply-text", "Hi, we are on it")
    await expect(kim.locator("#viewers")).to_have_text("ann is typing…", timeout=10_000)
    await ann.goto(desk.url("/console/queue"))  # ann leaves the ticket
    await expect(kim.locator("#viewers")).to_be_hidden(timeout=10_000)
