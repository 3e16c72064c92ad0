"""Who is on which ticket, in the queue: before, "kim is viewing" showed only on the ticket page
itself, so an agent picking from the queue could open a ticket a colleague was already
answering. Now the queue shows "kim viewing" beside it, live: the board each process keeps from
the viewers signals (``GET /api/agent/viewers``, on SQLite, PostgreSQL and across two processes)
and two agents in Chromium."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from handoff.viewer_board import FORGET_S, ViewerBoard

from . import test_console_browser
from .conftest import Agent, LiveDesk
from .test_viewers import ann_and_kim

browser = test_console_browser.browser  # the same Chromium fixture
CRASH = "The desktop app freezes and closes whenever I export a PDF."


def test_the_board_follows_the_signals_and_forgets_the_silent() -> None:
    now = [100.0]
    board = ViewerBoard(clock=lambda: now[0])
    board.heard({"ticket": "FD-1001", "agent_id": 2, "agent": "kim", "state": "viewing"})
    board.heard({"ticket": "FD-1001", "agent_id": 3, "agent": "lee", "state": "typing"})
    board.heard({"ticket": "FD-1002", "agent_id": 2, "agent": "kim", "state": "viewing"})
    board.heard({"ticket": "FD-1002", "agent_id": 2, "agent": "kim", "state": "left"})
    board.heard({"ticket": 7, "agent_id": "x"})  # not a signal: ignored
    now[0] += 1
    assert board.current() == {
        "FD-1001": [
            {"agent_id": 2, "agent": "kim", "state": "viewing", "seconds_ago": 1.0},
            {"agent_id": 3, "agent": "lee", "state": "typing", "seconds_ago": 1.0},
        ]
    }
    board.heard({"ticket": "FD-1001", "agent_id": 3, "agent": "lee", "state": "viewing"})
    now[0] += FORGET_S  # kim's browser went quiet; lee's heartbeat came FORGET_S ago
    assert [v["agent"] for v in board.current()["FD-1001"]] == ["lee"]
    now[0] += 1
    assert board.current() == {}


async def views(agent: Agent, tid: str, want: list[str]) -> None:
    for _ in range(100):
        board = (await agent.ok("GET", "/api/agent/viewers"))["viewers"]
        if [v["agent"] for v in board.get(tid, [])] == want:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{tid} never viewed by {want}: {board}")


async def a_colleague_shows_in_the_board(one: LiveDesk, other: LiveDesk) -> None:
    tid = await (await one.customer()).opens_ticket(CRASH)
    kim, ann = await one.agent("kim@example.com"), await other.agent("ann@example.com")
    await kim.ok("POST", f"/api/agent/tickets/{tid}/viewers", {"state": "viewing"})
    await views(ann, tid, ["kim"])
    await kim.ok("POST", f"/api/agent/tickets/{tid}/viewers", {"state": "left"})
    await views(ann, tid, [])


async def test_the_board_says_who_views_which_ticket(desk: LiveDesk) -> None:
    await a_colleague_shows_in_the_board(desk, desk)
    async with desk.http().get(desk.url("/api/agent/viewers")) as r:
        assert r.status == 401  # not signed in


async def test_the_board_crosses_processes_on_postgresql(postgres_url: str, make_desk: Any) -> None:
    # postgres_url first: its database is dropped after both desks have stopped
    one: LiveDesk = await make_desk(postgres_url)
    other: LiveDesk = await make_desk(postgres_url)
    await a_colleague_shows_in_the_board(one, other)


@pytest.mark.browser
async def test_the_queue_shows_who_views_a_ticket_live(
    make_desk: Any, browser: Any, sqlite_url: str
) -> None:
    from playwright.async_api import expect

    desk, tid, ann, kim = await ann_and_kim(make_desk, browser, sqlite_url)
    other = await (await desk.customer()).opens_ticket("I was charged twice this month.")
    row = ann.locator("#queue tr.row", has_text=tid)
    await expect(row).to_be_visible()
    await expect(ann.locator("#live-status")).not_to_have_class("live off")

    await kim.goto(desk.url(f"/console/tickets/{tid}"))  # kim opens the ticket
    await expect(row.locator("[data-viewers-of]")).to_have_text("kim viewing")
    await expect(ann.locator(f"[data-viewers-of='{other}']")).to_be_hidden()
    await kim.locator("#reply-text").fill("Hello, ")  # kim types
    await expect(row.locator("[data-viewers-of]")).to_have_text("kim typing…")

    await ann.reload()  # a queue opened later learns it from the board at once
    await expect(row.locator("[data-viewers-of]")).to_contain_text("kim")

    await kim.goto(desk.url("/console/queue"))  # kim leaves the ticket
    await expect(row.locator("[data-viewers-of]")).to_be_hidden()
    kims_row = kim.locator(f"[data-viewers-of='{tid}']")
    await expect(kims_row).to_be_hidden()  # nobody else on it; kim never sees kim
