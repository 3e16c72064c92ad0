"""Who is who, as the customer sees it (#12): before, the customer saw an anonymous "Agent", no
word that a person had joined, and a pressed button as "(button pressed)". Now the customer is
told "ann joined the conversation.", an agent's message carries the agent's name, and a pressed
button shows its label, over the API and in the widget (Chromium)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from . import test_console_browser
from .conftest import LiveDesk

CRASH = "The desktop app freezes and closes whenever I export a PDF."
browser = test_console_browser.browser  # the same Chromium fixture


async def test_the_customer_is_told_who_joined_and_who_answers(desk: LiveDesk) -> None:
    customer = await desk.customer()
    tid = await customer.opens_ticket(CRASH)
    ann = await desk.agent("ann@example.com")
    await ann.ok("POST", f"/api/agent/tickets/{tid}/claim")
    joined = await customer.wait_for(lambda m: "joined the conversation" in m["text"])
    assert joined["text"] == "ann joined the conversation." and joined["sender"] == "system"
    await ann.ok("POST", f"/api/agent/tickets/{tid}/messages", {"text": "Ann here, on it."})
    reply = await customer.wait_for(lambda m: m["sender"] == "agent")
    assert reply["agent_name"] == "ann"
    await ann.ok("POST", f"/api/agent/tickets/{tid}/messages", {"text": "Still on it."})
    await customer.wait_for(lambda m: m["text"] == "Still on it.")
    assert [m["text"] for m in customer.messages].count("ann joined the conversation.") == 1

    await ann.ok("POST", f"/api/agent/tickets/{tid}/resolve", {"resolution": "New build."})
    prompt = await customer.wait_for(lambda m: len(m["buttons"]) == 5)
    await customer.say(payload=prompt["buttons"][3]["payload"])
    pressed = await customer.wait_for(lambda m: m["sender"] == "customer" and m["payload"])
    assert pressed["payload"] == prompt["buttons"][3]["payload"]
    bot = next(m for m in customer.messages if m["sender"] == "bot")
    assert bot["agent_name"] is None and bot["payload"] is None


@pytest.mark.browser
async def test_the_widget_shows_the_agents_name_and_pressed_labels(
    make_desk: Any, browser: Any, sqlite_url: str
) -> None:
    from playwright.async_api import expect

    desk: LiveDesk = await make_desk(sqlite_url)
    ann = await desk.agent("ann@example.com")
    chat = await (await browser.new_context()).new_page()
    await chat.goto(desk.url("/"))
    await chat.fill("#text", CRASH)
    await chat.click("#send")
    line = chat.locator("#log li", has_text=re.compile(r"FD-\d+"))
    await expect(line.first).to_be_visible(timeout=15_000)
    tid = re.search(r"FD-\d+", await line.first.inner_text()).group(0)  # type: ignore[union-attr]
    await ann.ok("POST", f"/api/agent/tickets/{tid}/claim")
    await expect(chat.locator("#log li.system")).to_contain_text("ann joined the conversation.")
    await ann.ok("POST", f"/api/agent/tickets/{tid}/messages", {"text": "Ann here, on it."})
    answer = chat.locator("#log li.agent", has_text="Ann here")
    await expect(answer.locator("small")).to_have_text(re.compile(r"^ann · \d"))  # and its time
    await ann.ok("POST", f"/api/agent/tickets/{tid}/resolve", {"resolution": "New build."})
    await chat.get_by_role("button", name="4 - Good").click()
    await expect(chat.locator("#log li.customer").last).to_have_text(re.compile("4 - Good"))
    await chat.reload()  # read again from the start: the label still shows
    await expect(chat.locator("#log li.customer", has_text="4 - Good")).to_have_count(1)
    assert await chat.locator("#log", has_text="(button pressed)").count() == 0
