"""An agent's "typing" crosses processes (#14): two front desks on one PostgreSQL database, the
agent's console served by one, the customer's widget long poll by the other. The ping reaches
the customer's long poll over LISTEN/NOTIFY at once, and the reply posted on the agent's
process ends it on the customer's."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from .conftest import Customer, LiveDesk

pytestmark = pytest.mark.postgres


async def test_an_agent_typing_on_one_process_shows_to_a_customer_on_another(
    postgres_url: str, make_desk: Callable[..., Any]
) -> None:  # postgres_url first: its database is dropped after both desks have stopped
    console: LiveDesk = await make_desk(postgres_url)  # where the agent works
    widget: LiveDesk = await make_desk(postgres_url)  # where the customer's widget talks
    ann = await console.agent("ann@example.com")
    ravi = await widget.customer()
    tid = await ravi.opens_ticket("The desktop app crashes when I export a PDF, please help")
    await ann.ok("POST", f"/api/agent/tickets/{tid}/claim")
    await ravi.poll()  # read everything so far

    waiting = asyncio.create_task(long_poll(widget, ravi))
    await asyncio.sleep(0.3)  # parked on the widget's process
    assert not waiting.done()
    await ann.ok("POST", f"/api/agent/tickets/{tid}/typing")  # on the console's process
    answered = await asyncio.wait_for(waiting, 10)  # woken by the relayed ping, not the 20 s
    assert answered == {"messages": [], "typing": "ann"}

    waiting = asyncio.create_task(long_poll(widget, ravi))
    await asyncio.sleep(0.3)
    await ann.ok("POST", f"/api/agent/tickets/{tid}/messages", {"text": "Ann here, on it."})
    answered = await asyncio.wait_for(waiting, 10)
    assert [m["text"] for m in answered["messages"]] == ["Ann here, on it."]
    assert answered["typing"] is None  # the reply on the console's process ended it here


async def long_poll(desk: LiveDesk, customer: Customer) -> dict[str, Any]:
    url = desk.url(f"{customer.path}?after={customer.seen}&wait=20")
    headers = {"Authorization": f"Bearer {customer.token}"}
    async with customer.http.get(url, headers=headers) as r:
        return dict(await r.json())
