"""Discord end to end: the real discord.py against the fake gateway and REST API, and the whole
front desk (``create_app``: web server, engine, store, outbox, agent API) behind it."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from typing import Any

from models import ChannelKind, TicketStatus
from tests.channels.fake_discord import CUSTOMER_ID, SUPPORT_CHANNEL_ID, FakeDiscord, RestCall
from tests.channels.live import LiveDesk, StartDesk, customer_said, eventually

CRASH = "The desktop app freezes and closes whenever I export a PDF."
VPN = "I cannot connect to the VPN since this morning, the whole office is offline."
ESCAPED_TICKET_ID = re.compile(r"FD\\?-\d+")  # the adapter escapes markdown


async def on_discord(desks: StartDesk, database_url: str, discord: FakeDiscord) -> LiveDesk:
    return await desks(
        database_url,
        discord_token="fake-discord-token",
        discord_api_url=discord.urls["api_url"],
        discord_gateway_url=discord.urls["gateway_url"],
        discord_support_channel_id=SUPPORT_CHANNEL_ID,
    )


def posted_to(channel_id: str, fragment: str = "") -> Callable[[RestCall], bool]:
    def matches(call: RestCall) -> bool:
        content = (call.body or {}).get("content") or ""
        return call.path.endswith(f"/channels/{channel_id}/messages") and fragment in content

    return matches


def ticket_id_of(call: RestCall) -> str:
    found = ESCAPED_TICKET_ID.search(call.body["content"])
    assert found, call.body
    return found.group(0).replace("\\", "")


def buttons_of(call: RestCall) -> list[dict[str, Any]]:
    return [b for row in call.body.get("components") or [] for b in row["components"]]


async def test_a_dm_customer_is_helped_by_an_agent_and_rates_the_help_with_a_button(
    discord_fake: FakeDiscord, database_url: str, desks: StartDesk
) -> None:
    desk = await on_discord(desks, database_url, discord_fake)
    async with desk.http().get("/healthz") as r:
        assert await r.json() == {"status": "ok", "channels": {"web": "up", "discord": "up"}}
    dm = discord_fake.dm_channel_id()

    await discord_fake.inject_dm(CRASH)
    ack = await discord_fake.wait_for_call("POST", "/messages", posted_to(dm, "FD"))
    assert "human agent will take over" in ack.body["content"]
    tid = ticket_id_of(ack)

    ann = await desk.agent("ann@example.com")
    ticket = await ann.ticket(tid)
    assert (ticket["channel"], ticket["customer"]["display_name"]) == ("discord", "Ada")
    await ann.claim(tid)
    joined = await discord_fake.wait_for_call("POST", "/messages", posted_to(dm, "joined"))
    assert joined.body["content"] == "ann joined the conversation."
    await ann.reply(tid, "Hi, Ann here. Which version do you run?")
    reply = await discord_fake.wait_for_call("POST", "/messages", posted_to(dm, "Ann here"))
    assert reply.body["content"] == "ann: Hi, Ann here. Which version do you run?"  # who answers

    await ann.resolve(tid, "Fixed in 4.2.1: please update.")
    prompt = await discord_fake.wait_for_call("POST", "/messages", lambda c: bool(buttons_of(c)))
    buttons = buttons_of(prompt)
    assert [b["label"][0] for b in buttons] == ["1", "2", "3", "4", "5"]

    await discord_fake.inject_button_press(buttons[3]["custom_id"], label=buttons[3]["label"])
    await discord_fake.wait_for_call("POST", "/callback")
    await discord_fake.wait_for_call("POST", "/messages", posted_to(dm, "4/5"))

    details = await desk.details(tid)
    assert details.csat is not None and details.csat.score == 4
    assert details.ticket.status is TicketStatus.RESOLVED
    assert details.ticket.channel is ChannelKind.DISCORD


async def test_a_support_channel_message_becomes_a_thread_where_the_whole_story_happens(
    discord_fake: FakeDiscord, sqlite_url: str, desks: StartDesk
) -> None:
    desk = await on_discord(desks, sqlite_url, discord_fake)

    first = await discord_fake.inject_guild_message(VPN)
    await discord_fake.wait_for_call("POST", f"/messages/{first['id']}/threads")
    (thread,) = discord_fake.threads
    ack = await discord_fake.wait_for_call("POST", "/messages", posted_to(thread, "FD"))
    tid = ticket_id_of(ack)

    ann = await desk.agent("ann@example.com")
    await ann.claim(tid)
    await ann.reply(tid, "Ann here: we are restarting the VPN gateway.")
    await discord_fake.wait_for_call("POST", "/messages", posted_to(thread, "Ann here"))
    await discord_fake.inject_guild_message("Thanks, it works again!", channel_id=thread)
    await eventually(lambda: customer_said(desk, tid, "works again"))

    await ann.resolve(tid, "The VPN gateway was restarted.")
    prompt = await discord_fake.wait_for_call("POST", "/messages", lambda c: bool(buttons_of(c)))
    assert prompt.path.endswith(f"/channels/{thread}/messages")
    four = buttons_of(prompt)[3]
    await discord_fake.inject_button_press(
        four["custom_id"], label=four["label"], channel_id=thread, in_guild=True
    )
    await discord_fake.wait_for_call("POST", "/messages", posted_to(thread, "4/5"))

    details = await desk.details(tid)
    assert details.csat is not None and details.csat.score == 4
    assert [m.text for m in details.messages if m.sender.value == "customer"][:2] == [
        VPN,
        "Thanks, it works again!",
    ]
    assert len(await desk.tickets()) == 1


async def test_ticket_in_a_server_opens_a_private_thread_and_a_429_is_sat_out(
    discord_fake: FakeDiscord, sqlite_url: str, desks: StartDesk
) -> None:
    await on_discord(desks, sqlite_url, discord_fake)
    discord_fake.rate_limit_next(retry_after=1.0)
    loop = asyncio.get_running_loop()
    started = loop.time()

    await discord_fake.inject_slash_command("Refund for order 1234, charged twice", in_guild=True)
    answered = await discord_fake.wait_for_call("PATCH", "/messages/@original")
    assert "we have your request" in answered.body["content"]
    (thread,) = discord_fake.threads
    assert discord_fake.threads[thread]["type"] == 12  # private: only the customer and staff
    assert discord_fake.threads[thread]["parent_id"] == SUPPORT_CHANNEL_ID
    assert discord_fake.calls_to("PUT", f"/thread-members/{CUSTOMER_ID}")

    ack = await discord_fake.wait_for_call("POST", "/messages", posted_to(thread, "FD"), count=2)
    assert loop.time() - started >= 1.0  # the first attempt got 429 and discord.py waited
    assert len(discord_fake.calls_to("POST", f"/channels/{thread}/messages")) == 2
    assert "ticket" in ack.body["content"]


async def test_a_screenshot_in_a_dm_reaches_the_agent_and_the_agents_pdf_reaches_the_dm(
    discord_fake: FakeDiscord, sqlite_url: str, desks: StartDesk
) -> None:
    import aiohttp

    from tests.bot.test_attachments import PDF, png

    desk = await on_discord(desks, sqlite_url, discord_fake)
    dm = discord_fake.dm_channel_id()
    image = png(48, 32)
    await discord_fake.inject_dm(CRASH, files=(("crash.png", "image/png", image),))
    ack = await discord_fake.wait_for_call("POST", "/messages", posted_to(dm, "FD"), within=20)
    tid = ticket_id_of(ack)

    ann = await desk.agent("ann@example.com")
    ticket = await ann.ticket(tid)
    [file] = [a for m in ticket["messages"] for a in m["attachments"]]
    assert (file["name"], file["content_type"]) == ("crash.png", "image/png")
    async with ann.http.get(file["url"]) as r:
        assert await r.read() == image

    await ann.claim(tid)
    form = aiohttp.FormData()
    form.add_field("text", "The fix is attached.")
    form.add_field("file", PDF, filename="fix.pdf", content_type="application/pdf")
    async with ann.http.post(
        f"/api/agent/tickets/{tid}/attachments", data=form, headers={"X-CSRF-Token": ann.csrf}
    ) as r:
        assert r.status == 201, await r.text()
    sent = await discord_fake.wait_for_call("POST", "/messages", posted_to(dm, "fix is attached"))
    assert sent.files == {"fix.pdf": PDF}
