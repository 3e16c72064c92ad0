"""Holes in the ticket lifecycle found by walking through it (issue #12), each closed: a
customer's reply ends waiting_on_customer whoever holds the chat, and "not fixed" after the
CSAT exchange reopens the ticket that was rated instead of opening a new one."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from typing import Any

from .conftest import Agent, LiveDesk

CRASH = "The desktop app freezes and closes whenever I export a PDF."


async def status_becomes(agent: Agent, tid: str, status: str) -> dict[str, object]:
    for _ in range(100):
        details = await agent.ticket(tid)
        if details["status"] == status:
            return details
        await asyncio.sleep(0.05)
    raise AssertionError(f"{tid} stayed {details['status']}, never {status}")


async def test_a_reply_ends_waiting_on_customer_without_a_take_over(desk: LiveDesk) -> None:
    customer = await desk.customer()
    tid = await customer.opens_ticket(CRASH)
    ann = await desk.agent("ann@example.com")
    await ann.ok("PATCH", f"/api/agent/tickets/{tid}", {"assignee": "me"})
    await ann.ok("PATCH", f"/api/agent/tickets/{tid}", {"status": "waiting_on_customer"})
    assert (await ann.ticket(tid))["conversation_state"] == "waiting_for_agent"  # no take-over

    await customer.say("Here is the log you asked for.")
    details = await status_becomes(ann, tid, "in_progress")
    assert "status:customer_replied" in [e["kind"] for e in details["events"]]  # type: ignore[union-attr]


async def test_not_fixed_after_a_csat_comment_reopens_the_rated_ticket(desk: LiveDesk) -> None:
    customer, ann, tid, prompt = await desk.resolved_by_an_agent(CRASH)
    await customer.say(payload=prompt["buttons"][1]["payload"])  # 2/5
    await customer.wait_for(lambda m: "done better" in m["text"])
    await customer.say("The answers were slow.")
    await customer.wait_for(lambda m: "passed your feedback" in m["text"])

    await customer.say("And the export is still not fixed.")
    await customer.wait_for(lambda m: "reopened" in m["text"])
    details = await status_becomes(ann, tid, "in_progress")
    assert details["csat"]["comment"] == "The answers were slow."  # type: ignore[index]
    queue = await ann.ok("GET", "/api/agent/tickets?status=all")
    assert [t["id"] for t in queue["tickets"]] == [tid]  # no new ticket


async def test_resolved_tickets_close_by_themselves_and_a_later_message_follows_up(
    desk: LiveDesk,
) -> None:
    from datetime import timedelta

    from handoff.auto_close import AutoCloser

    customer, ann, tid, prompt = await desk.resolved_by_an_agent(CRASH)
    await customer.say(payload=prompt["buttons"][4]["payload"])
    await customer.wait_for(lambda m: "5/5" in m["text"])

    closer = AutoCloser(desk.fd.store, desk.fd.desk, timedelta(days=3), interval=0)
    now = desk.fd.desk.clock()
    assert await closer.close_due(now + timedelta(days=2)) == []  # not yet
    closed = await closer.close_due(now + timedelta(days=4))
    assert len(closed) == 1 and await closer.close_due(now + timedelta(days=5)) == []
    details = await ann.ticket(tid)
    assert details["status"] == "closed" and details["closed_at"] is not None

    await customer.say("The desktop app crashes again whenever I export a PDF.")
    follow_up = await customer.wait_for(
        lambda m: m["sender"] == "bot" and "FD-" in m["text"] and tid not in m["text"]
    )
    new_id = re.findall(r"FD-\d+", follow_up["text"])[0]
    new = await ann.ticket(new_id)
    assert new["follow_up_of"] == tid
    assert "follow_up" in [e["kind"] for e in (await ann.ticket(tid))["events"]]


async def test_outside_business_hours_the_bot_says_when_the_team_is_back(
    make_desk: Callable[..., Any], database_url: str
) -> None:
    from datetime import UTC, datetime, timedelta

    opens = (datetime.now(UTC) + timedelta(hours=2)).hour  # an hour that is not now
    spec = f"mon-sun {opens:02d}:00-{opens:02d}:59"
    desk = await make_desk(database_url, business_hours=spec)
    customer = await desk.customer()
    await customer.opens_ticket(CRASH)
    promise = await customer.wait_for(lambda m: "first reply" in m["text"])
    assert (
        f"we're closed right now and back today at {opens:02d}:00 (UTC)" in promise["text"]
        or f"back tomorrow at {opens:02d}:00 (UTC)" in promise["text"]
    )
    assert "within" not in promise["text"]
