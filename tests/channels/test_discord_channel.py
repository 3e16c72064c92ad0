"""The Discord adapter driving the real discord.py against the fake REST API and gateway."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable

import discord
import pytest

from bot.channels.discord import DiscordChannel
from bot.ports import (
    ChannelPermanentError,
    ChannelRateLimited,
    ChannelTemporaryError,
    InboundEvent,
    OutboundMessage,
)
from models import Button, ChannelKind
from tests.channels.conftest import DISCORD_TEST_OPTIONS
from tests.channels.fake_discord import (
    APP_ID,
    CUSTOMER_ID,
    OTHER_CHANNEL_ID,
    SUPPORT_CHANNEL_ID,
    FakeDiscord,
    user,
)
from tests.channels.payloads import load
from tests.channels.sink import RecordingSink

Build = Callable[..., DiscordChannel]


def outbound(address: str, text: str, *buttons: Button) -> OutboundMessage:
    return OutboundMessage(channel=ChannelKind.DISCORD, address=address, text=text, buttons=buttons)


async def test_a_dm_arrives_as_an_event(
    discord_fake: FakeDiscord, discord_channels: Build, sink: RecordingSink
) -> None:
    channel = discord_channels()
    await channel.start(sink)
    assert channel.healthy

    message = await discord_fake.inject_dm("My invoice is wrong")
    await sink.wait_for(1)

    assert sink.events == [
        InboundEvent(
            channel=ChannelKind.DISCORD,
            platform_message_id=f"message:{message['id']}",
            user_id=CUSTOMER_ID,
            address=discord_fake.dm_channel_id(),
            text="My invoice is wrong",
            display_name="Ada",
        )
    ]
    assert not discord_fake.calls_to("PUT", "/commands"), "commands are synced only on request"


async def test_a_support_channel_message_opens_a_thread_that_keeps_flowing(
    discord_fake: FakeDiscord, discord_channels: Build, sink: RecordingSink
) -> None:
    await discord_channels().start(sink)

    first = await discord_fake.inject_guild_message("I cannot log in")
    created = await discord_fake.wait_for_call("POST", f"/messages/{first['id']}/threads")
    await sink.wait_for(1)
    (thread_id,) = discord_fake.threads
    await discord_fake.inject_guild_message("It says password expired", channel_id=thread_id)
    await discord_fake.inject_guild_message("unrelated chatter", channel_id=OTHER_CHANNEL_ID)
    await discord_fake.inject_dm("marker")  # everything before it has been handled
    await sink.wait_for(3)

    assert created.path.startswith(f"/api/v10/channels/{SUPPORT_CHANNEL_ID}/")
    assert created.body["name"] == "Support: Ada"
    assert [(e.text, e.address) for e in sink.events] == [
        ("I cannot log in", thread_id),
        ("It says password expired", thread_id),
        ("marker", discord_fake.dm_channel_id()),
    ]


async def test_bots_and_other_servers_channels_are_ignored_without_a_support_channel(
    discord_fake: FakeDiscord, discord_channels: Build, sink: RecordingSink
) -> None:
    await discord_channels(support_channel_id=None).start(sink)

    await discord_fake.inject_guild_message("in the support channel")
    await discord_fake.inject_dm("from a bot", author={**user("77", "otherbot"), "bot": True})
    await discord_fake.inject_dm("marker")
    await sink.wait_for(1)

    assert [e.text for e in sink.events] == ["marker"]
    assert not discord_fake.threads


async def test_ticket_slash_command_in_a_dm(
    discord_fake: FakeDiscord, discord_channels: Build, sink: RecordingSink
) -> None:
    await discord_channels().start(sink)

    interaction = await discord_fake.inject_slash_command("  Refund for order 1234 ")
    await sink.wait_for(1)
    deferred = await discord_fake.wait_for_call("POST", "/callback")
    answered = await discord_fake.wait_for_call("PATCH", "/messages/@original")

    event = sink.events[0]
    assert (event.command, event.text, event.address) == (
        "ticket",
        "Refund for order 1234",
        discord_fake.dm_channel_id(),
    )
    assert event.platform_message_id == f"interaction:{interaction['id']}"
    assert event.language == "en-GB"
    assert (
        deferred.path
        == f"/api/v10/interactions/{interaction['id']}/{interaction['token']}/callback"
    )
    assert deferred.body == {"type": 5, "data": {"flags": 64}}  # thinking, only they see it
    assert "we have your request" in answered.body["content"]


async def test_ticket_slash_command_in_a_server_opens_a_private_thread(
    discord_fake: FakeDiscord, discord_channels: Build, sink: RecordingSink
) -> None:
    await discord_channels().start(sink)

    await discord_fake.inject_slash_command("VPN is down", in_guild=True)
    await sink.wait_for(1)
    await discord_fake.wait_for_call("PATCH", "/messages/@original")

    (thread_id,) = discord_fake.threads
    assert discord_fake.threads[thread_id]["type"] == 12
    assert discord_fake.calls_to("PUT", f"/channels/{thread_id}/thread-members/{CUSTOMER_ID}")
    assert (sink.events[0].command, sink.events[0].address) == ("ticket", thread_id)


async def test_a_button_press_arrives_as_a_payload_and_is_acknowledged(
    discord_fake: FakeDiscord, discord_channels: Build, sink: RecordingSink
) -> None:
    await discord_channels().start(sink)

    interaction = await discord_fake.inject_button_press("csat:5", label="5")
    await sink.wait_for(1)
    ack = await discord_fake.wait_for_call("POST", "/callback")

    event = sink.events[0]
    assert (event.payload, event.text, event.address, event.user_id) == (
        "csat:5",
        "5",
        discord_fake.dm_channel_id(),
        CUSTOMER_ID,
    )
    assert event.platform_message_id == f"interaction:{interaction['id']}"
    assert ack.body == {"type": 6}  # deferred update: no visible reply


async def test_send_escapes_markup_and_disables_mentions(
    discord_fake: FakeDiscord, discord_channels: Build, sink: RecordingSink
) -> None:
    channel = discord_channels()
    await channel.start(sink)

    await channel.send(outbound("555", "*bold* <@123> <@112233445566778899> @everyone"))

    (call,) = discord_fake.calls_to("POST", "/channels/555/messages")
    assert call.body["content"] == ("\\*bold\\* <@123> <@\u200b112233445566778899> @\u200beveryone")
    assert call.body["allowed_mentions"] == {"parse": []}


async def test_send_delivers_buttons_as_components(
    discord_fake: FakeDiscord, discord_channels: Build, sink: RecordingSink
) -> None:
    channel = discord_channels()
    await channel.start(sink)

    await channel.send(outbound("555", "Solved?", Button("Yes", "solved:yes"), Button("No", "no")))

    (call,) = discord_fake.calls_to("POST", "/channels/555/messages")
    assert call.body["content"] == "Solved?"
    assert call.body["components"] == [
        {
            "type": 1,
            "components": [
                {
                    "type": 2,
                    "style": 2,
                    "label": "Yes",
                    "custom_id": "solved:yes",
                    "disabled": False,
                },
                {"type": 2, "style": 2, "label": "No", "custom_id": "no", "disabled": False},
            ],
        }
    ]


async def test_a_long_text_arrives_as_several_messages(
    discord_fake: FakeDiscord, discord_channels: Build, sink: RecordingSink
) -> None:
    channel = discord_channels()
    await channel.start(sink)
    words = [f"w{n}" for n in range(1000)]  # 4,890 characters

    await channel.send(outbound("555", " ".join(words), Button("Thanks", "thanks")))

    calls = discord_fake.calls_to("POST", "/channels/555/messages")
    assert len(calls) == 3
    assert all(len(c.body["content"]) <= 2000 for c in calls)
    assert " ".join(c.body["content"] for c in calls).split() == words
    assert [bool(c.body.get("components")) for c in calls] == [False, False, True]


async def test_a_rate_limit_becomes_channel_rate_limited(
    discord_fake: FakeDiscord, discord_channels: Build, sink: RecordingSink
) -> None:
    channel = discord_channels()
    await channel.start(sink)
    discord_fake.rate_limit_next(retry_after=64.5)

    with pytest.raises(ChannelRateLimited) as caught:
        await channel.send(outbound("555", "hello"))
    assert caught.value.retry_after == 64.5
    assert isinstance(caught.value.__cause__, discord.RateLimited)


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (403, {"message": "Cannot send messages to this user", "code": 50007}),
        (404, {"message": "Unknown Channel", "code": 10003}),
    ],
)
async def test_a_closed_door_is_a_permanent_error(
    discord_fake: FakeDiscord,
    discord_channels: Build,
    sink: RecordingSink,
    status: int,
    body: dict[str, object],
) -> None:
    channel = discord_channels()
    await channel.start(sink)
    discord_fake.fail_next("create_message", 1, status, body)

    with pytest.raises(ChannelPermanentError, match=str(body["message"])):
        await channel.send(outbound("555", "hello"))


async def test_a_server_error_is_temporary(
    discord_fake: FakeDiscord, discord_channels: Build, sink: RecordingSink
) -> None:
    channel = discord_channels()
    await channel.start(sink)
    discord_fake.fail_next("create_message", 1, 503, {"message": "upstream", "code": 0})

    with pytest.raises(ChannelTemporaryError):
        await channel.send(outbound("555", "hello"))


async def eventually(condition: Callable[[], bool], within: float = 5.0) -> None:
    """Wait for a state flag that has no event to wait on (``healthy``)."""
    async with asyncio.timeout(within):
        while not condition():  # noqa: ASYNC110 - a plain flag, nothing to wait on
            await asyncio.sleep(0.01)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def test_an_unreachable_discord_does_not_block_start_and_is_retried(
    sink: RecordingSink, monkeypatch: pytest.MonkeyPatch, logged_errors: object
) -> None:
    fake = FakeDiscord()
    fake.port = free_port()  # nothing listens there yet
    channel = DiscordChannel("fake-discord-token", **DISCORD_TEST_OPTIONS, **fake.urls)
    try:
        await asyncio.wait_for(channel.start(sink), 2)
        assert not channel.healthy
        with pytest.raises(ChannelTemporaryError):
            await channel.send(outbound("555", "hello?"))

        await fake.start(fake.port)  # Discord comes back: the background retry connects
        await fake.wait_for_call("GET", "/users/@me")
        await eventually(lambda: channel.healthy)
        await fake.inject_dm("finally")
        await sink.wait_for(1)
    finally:
        await channel.stop()
        await fake.stop()


async def test_recorded_gateway_payloads_translate(
    discord_fake: FakeDiscord, discord_channels: Build, sink: RecordingSink
) -> None:
    await discord_channels().start(sink)

    for name in ("dm_message_create", "button_interaction", "ticket_interaction"):
        event = "MESSAGE_CREATE" if "message" in name else "INTERACTION_CREATE"
        await discord_fake.dispatch(event, load(f"discord_{name}.json"))
    await sink.wait_for(3)
    await discord_fake.wait_for_call("PATCH", "/messages/@original")

    grace = {"user_id": "381870553235193857", "address": "1381920000000000001"}
    assert sink.events == [
        InboundEvent(
            channel=ChannelKind.DISCORD,
            platform_message_id="message:1381926397079474237",
            text="Hi, my card was charged twice",
            display_name="Grace",
            **grace,
        ),
        InboundEvent(
            channel=ChannelKind.DISCORD,
            platform_message_id="interaction:1381926498765432109",
            text="No",
            payload="resolved:no",
            display_name="Grace",
            language="de",
            **grace,
        ),
        InboundEvent(
            channel=ChannelKind.DISCORD,
            platform_message_id="interaction:1381926555555555555",
            text="Cannot reset my password",
            command="ticket",
            display_name="Grace",
            language="en-US",
            **grace,
        ),
    ]


async def test_a_cloudflare_429_is_rate_limited_too(
    discord_fake: FakeDiscord, discord_channels: Build, sink: RecordingSink
) -> None:
    channel = discord_channels()
    await channel.start(sink)
    # Without Discord's ``Via`` header discord.py does not wait: it raises HTTPException(429).
    discord_fake.fail_next(
        "create_message", 1, 429, {"message": "banned"}, headers={"Retry-After": "120"}
    )

    with pytest.raises(ChannelRateLimited) as caught:
        await channel.send(outbound("555", "hello"))
    assert caught.value.retry_after == 120


async def test_the_ticket_command_is_registered_when_asked(
    discord_fake: FakeDiscord, discord_channels: Build, sink: RecordingSink
) -> None:
    await discord_channels(sync_commands=True).start(sink)

    call = await discord_fake.wait_for_call("PUT", f"/applications/{APP_ID}/commands")

    (command,) = call.body
    assert (command["name"], command["contexts"]) == ("ticket", [0, 1])
    assert [(o["name"], o["type"], o["required"]) for o in command["options"]] == [
        ("description", 3, True)
    ]
