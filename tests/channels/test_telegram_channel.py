"""The Telegram adapter driving the real python-telegram-bot against the fake Bot API."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator, Callable

import aiohttp
import pytest
from aiohttp import web

from bot.channels.telegram import TelegramChannel
from bot.ports import (
    ChannelPermanentError,
    ChannelRateLimited,
    ChannelTemporaryError,
    InboundEvent,
    OutboundMessage,
)
from models import Button, ChannelKind, Overloaded
from tests.channels.conftest import TELEGRAM_TEST_OPTIONS, ErrorCollector
from tests.channels.fake_telegram import FakeTelegram
from tests.channels.payloads import load
from tests.channels.sink import RecordingSink

Build = Callable[..., TelegramChannel]


def outbound(text: str, *buttons: Button, address: str = "4242") -> OutboundMessage:
    return OutboundMessage(
        channel=ChannelKind.TELEGRAM, address=address, text=text, buttons=buttons
    )


async def test_a_text_arrives_as_an_event(
    telegram: FakeTelegram, telegram_channels: Build, sink: RecordingSink
) -> None:
    channel = telegram_channels()
    await channel.start(sink)
    assert channel.healthy

    update = await telegram.inject_message("Where is my parcel?")
    await sink.wait_for(1)

    assert sink.events == [
        InboundEvent(
            channel=ChannelKind.TELEGRAM,
            platform_message_id=f"message:4242:{update['message']['message_id']}",
            user_id="4242",
            address="4242",
            text="Where is my parcel?",
            display_name="Ada Lovelace",
            language="en",
        )
    ]
    assert telegram.calls[0].method == "getMe"
    assert telegram.calls_of("deleteWebhook")


async def test_commands(
    telegram: FakeTelegram, telegram_channels: Build, sink: RecordingSink
) -> None:
    await telegram_channels().start(sink)

    for text in ("/start", "/status FD-000042", "/new"):
        await telegram.inject_message(text)
    await sink.wait_for(3)

    assert [(e.command, e.text) for e in sink.events] == [
        ("start", ""),
        ("status", "FD-000042"),
        ("new", ""),
    ]


async def test_a_recorded_update_arrives(
    telegram: FakeTelegram, telegram_channels: Build, sink: RecordingSink
) -> None:
    await telegram_channels().start(sink)

    await telegram.inject_update(load("telegram_group_text.json"))  # ignored: a group
    await telegram.inject_update(load("telegram_private_text.json"))
    await sink.wait_for(1)

    assert [e.platform_message_id for e in sink.events] == ["message:5123456789:1377"]


async def test_a_button_press_arrives_as_a_payload_and_stops_the_spinner(
    telegram: FakeTelegram, telegram_channels: Build, sink: RecordingSink
) -> None:
    await telegram_channels().start(sink)

    update = await telegram.inject_callback("csat:5", label="5")
    await sink.wait_for(1)
    answer = await telegram.wait_for_call("answerCallbackQuery")

    event = sink.events[0]
    assert (event.payload, event.text, event.address) == ("csat:5", "5", "4242")
    assert event.platform_message_id == f"callback:{update['callback_query']['id']}"
    assert answer.params["callback_query_id"] == update["callback_query"]["id"]


async def test_a_duplicated_update_is_handed_over_and_stored_once(
    telegram: FakeTelegram, telegram_channels: Build, sink: RecordingSink
) -> None:
    await telegram_channels().start(sink)
    update = await telegram.inject_message("hello")
    await sink.wait_for(1)

    await telegram.replay(update["update_id"])
    await sink.wait_for(2, received=True)
    await telegram.inject_message("still there?")
    await sink.wait_for(2)

    assert sink.received == 3
    assert [e.text for e in sink.events] == ["hello", "still there?"]


async def test_a_restart_between_store_and_confirmation_loses_and_doubles_nothing(
    telegram: FakeTelegram, telegram_channels: Build, sink: RecordingSink
) -> None:
    stored = asyncio.Event()

    async def crash_after_commit(event: InboundEvent) -> None:
        stored.set()
        await asyncio.Event().wait()  # the process "dies" here, after the commit

    sink.after_store = crash_after_commit
    first = telegram_channels()
    await first.start(sink)
    update = await telegram.inject_message("my order is late")
    await stored.wait()
    await first.stop()
    assert telegram.confirmed_offset <= update["update_id"], "confirmed before it was handled"

    sink.after_store = None
    second = telegram_channels()
    await second.start(sink)
    await sink.wait_for(2, received=True)  # Telegram delivers the unconfirmed update again
    await telegram.inject_message("any news?")
    await sink.wait_for(2)
    await second.stop()

    assert [e.text for e in sink.events] == ["my order is late", "any news?"]
    assert sink.received == 3
    assert telegram.confirmed_offset > update["update_id"] + 1, "a clean stop confirms"


async def test_send_delivers_plain_text_and_an_inline_keyboard(
    telegram: FakeTelegram, telegram_channels: Build, sink: RecordingSink
) -> None:
    channel = telegram_channels()
    await channel.start(sink)

    await channel.send(
        outbound("*Was this helpful?* <b>", Button("Yes, thanks", "ok"), Button("No", "nok"))
    )
    await channel.send(outbound("Rate us", *(Button(str(n), f"csat:{n}") for n in (1, 2, 3))))

    first, second = telegram.calls_of("sendMessage")
    assert first.params == {
        "chat_id": "4242",
        "text": "*Was this helpful?* <b>",
        "reply_markup": {
            "inline_keyboard": [
                [{"text": "Yes, thanks", "callback_data": "ok"}],
                [{"text": "No", "callback_data": "nok"}],
            ]
        },
    }
    assert "parse_mode" not in first.params  # nothing a customer or agent types is markup
    assert second.params["reply_markup"]["inline_keyboard"] == [
        [{"text": str(n), "callback_data": f"csat:{n}"} for n in (1, 2, 3)]
    ]


async def test_a_long_text_arrives_as_several_messages(
    telegram: FakeTelegram, telegram_channels: Build, sink: RecordingSink
) -> None:
    channel = telegram_channels()
    await channel.start(sink)
    words = [f"word{n}" for n in range(1500)]  # 13,389 characters

    await channel.send(outbound(" ".join(words), Button("Thanks", "thanks")))

    calls = telegram.calls_of("sendMessage")
    assert [len(c.params["text"]) // 100 for c in calls] == [40, 40, 40, 1]  # full parts
    assert " ".join(c.params["text"] for c in calls).split() == words
    assert [("reply_markup" in c.params) for c in calls] == [False, False, False, True]


async def test_rate_limit_becomes_channel_rate_limited(
    telegram: FakeTelegram, telegram_channels: Build, sink: RecordingSink
) -> None:
    channel = telegram_channels()
    await channel.start(sink)
    telegram.rate_limit_next(retry_after=7)

    with pytest.raises(ChannelRateLimited) as caught:
        await channel.send(outbound("hi"))
    assert caught.value.retry_after == 7
    await channel.send(outbound("hi again"))  # the next one goes through


@pytest.mark.parametrize(
    ("status", "description", "reason"),
    [
        (403, "Forbidden: bot was blocked by the user", "blocked"),
        (400, "Bad Request: chat not found", "not found"),
    ],
)
async def test_undeliverable_chats_are_permanent_errors(
    telegram: FakeTelegram,
    telegram_channels: Build,
    sink: RecordingSink,
    status: int,
    description: str,
    reason: str,
) -> None:
    channel = telegram_channels()
    await channel.start(sink)
    body = {"ok": False, "error_code": status, "description": description}
    telegram.fail_next("sendMessage", 1, status, body)

    with pytest.raises(ChannelPermanentError, match=reason) as caught:
        await channel.send(outbound("hi"))
    assert caught.value.__cause__ is not None


async def test_callback_data_over_64_bytes_is_refused_before_sending(
    telegram: FakeTelegram, telegram_channels: Build, sink: RecordingSink
) -> None:
    channel = telegram_channels()
    await channel.start(sink)

    with pytest.raises(ChannelPermanentError, match="64 bytes"):
        await channel.send(outbound("pick", Button("Long", "é" * 33)))
    assert not telegram.calls_of("sendMessage")


@pytest.fixture
async def webhook_server() -> AsyncIterator[tuple[str, dict[str, TelegramChannel]]]:
    """An aiohttp app mounting the adapter's handler, as the composition root does."""
    mounted: dict[str, TelegramChannel] = {}

    async def forward(request: web.Request) -> web.StreamResponse:
        return await mounted["channel"].handle_webhook(request)

    app = web.Application()
    app.router.add_post("/telegram/webhook", forward)
    runner = web.AppRunner(app, shutdown_timeout=0.5, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield f"http://127.0.0.1:{port}/telegram/webhook", mounted
    await runner.cleanup()


async def test_webhook_mode_checks_the_secret(
    telegram: FakeTelegram,
    telegram_channels: Build,
    sink: RecordingSink,
    webhook_server: tuple[str, dict[str, TelegramChannel]],
) -> None:
    url, mounted = webhook_server
    channel = telegram_channels(webhook_url=url, webhook_secret="s3cret-Token_1")
    mounted["channel"] = channel
    await channel.start(sink)
    assert channel.healthy
    assert channel.webhook_path == "/telegram/webhook"
    registered = (await telegram.wait_for_call("setWebhook")).params
    assert (registered["url"], registered["secret_token"]) == (url, "s3cret-Token_1")

    update = load("telegram_private_text.json")
    assert await telegram.post_webhook(update, "wrong") == 403
    assert await telegram.post_webhook(update, None) == 403
    assert sink.received == 0

    await telegram.inject_message("hello from the webhook")
    assert telegram.webhook_statuses == [200]
    assert [e.text for e in sink.events] == ["hello from the webhook"]
    assert not telegram.calls_of("getUpdates")


async def test_webhook_answers_400_to_a_body_that_is_no_update(
    telegram: FakeTelegram,
    telegram_channels: Build,
    sink: RecordingSink,
    webhook_server: tuple[str, dict[str, TelegramChannel]],
) -> None:
    url, mounted = webhook_server
    channel = telegram_channels(webhook_url=url, webhook_secret="secret")
    mounted["channel"] = channel
    await channel.start(sink)

    headers = {"X-Telegram-Bot-Api-Secret-Token": "secret"}
    async with aiohttp.ClientSession() as session:
        async with session.post(url, data=b"not json", headers=headers) as response:
            assert response.status == 400
        async with session.post(url, json=[1, 2], headers=headers) as response:
            assert response.status == 400
    assert sink.received == 0


async def test_webhook_answers_400_to_hostile_json_and_keeps_serving(
    telegram: FakeTelegram,
    telegram_channels: Build,
    sink: RecordingSink,
    webhook_server: tuple[str, dict[str, TelegramChannel]],
) -> None:
    """Deep nesting was a RecursionError (500: Telegram would redeliver it for ever)."""
    url, mounted = webhook_server
    channel = telegram_channels(webhook_url=url, webhook_secret="secret")
    mounted["channel"] = channel
    await channel.start(sink)
    update = load("telegram_private_text.json")
    nul_text = json.dumps({**update, "message": {**update["message"], "text": "hi\u0000"}})
    headers = {"X-Telegram-Bot-Api-Secret-Token": "secret"}
    async with aiohttp.ClientSession() as session:
        for body in (b"[" * 50_000, nul_text.encode(), b'{"update_id": ' + b"9" * 5000 + b"}"):
            async with session.post(url, data=body, headers=headers) as response:
                assert response.status == 400, body[:40]
    assert sink.received == 0
    await telegram.inject_message("still listening")
    assert [e.text for e in sink.events] == ["still listening"]


def test_a_webhook_needs_a_valid_secret() -> None:
    with pytest.raises(ValueError, match="secret"):
        TelegramChannel("1:x", webhook_url="https://example.test/hook")
    with pytest.raises(ValueError, match="secret"):
        TelegramChannel("1:x", webhook_url="https://example.test/hook", webhook_secret="a b")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def test_an_unreachable_api_does_not_block_start_and_is_retried(
    sink: RecordingSink, logged_errors: object
) -> None:
    port = free_port()
    fake = FakeTelegram()
    channel = TelegramChannel(
        fake.token, base_url=f"http://127.0.0.1:{port}/bot", **TELEGRAM_TEST_OPTIONS
    )
    try:
        await asyncio.wait_for(channel.start(sink), 2)
        assert not channel.healthy
        with pytest.raises(ChannelTemporaryError):
            await channel.send(outbound("hello?"))

        await fake.start(port)  # the platform comes back: the background retry connects
        await fake.wait_for_call("getUpdates")
        assert channel.healthy
        await fake.inject_message("finally")
        await sink.wait_for(1)
    finally:
        await channel.stop()
        await fake.stop()


async def test_a_failing_store_is_retried_without_moving_the_offset(
    telegram: FakeTelegram,
    telegram_channels: Build,
    sink: RecordingSink,
    logged_errors: ErrorCollector,
) -> None:
    failures = [RuntimeError("database is locked")]

    async def flaky(event: InboundEvent) -> None:
        if failures:
            raise failures.pop()

    sink.after_store = flaky  # the first hand-over fails (the commit outcome is unknown)
    await telegram_channels().start(sink)

    await telegram.inject_message("are you there?")
    await sink.wait_for(2, received=True)

    assert [e.text for e in sink.events] == ["are you there?"]
    assert [r.getMessage() for r in logged_errors.take()] == [
        "Telegram update could not be handled; retrying in 0.1s"
    ]


async def test_webhook_answers_500_when_the_store_fails_so_telegram_retries(
    telegram: FakeTelegram,
    telegram_channels: Build,
    sink: RecordingSink,
    webhook_server: tuple[str, dict[str, TelegramChannel]],
    logged_errors: ErrorCollector,
) -> None:
    url, mounted = webhook_server
    channel = telegram_channels(webhook_url=url, webhook_secret="secret")
    mounted["channel"] = channel
    await channel.start(sink)
    failures = [RuntimeError("database is locked")]

    async def flaky(event: InboundEvent) -> None:
        if failures:
            raise failures.pop()

    sink.after_store = flaky
    update = await telegram.inject_message("hello")
    assert await telegram.post_webhook(update, "secret") == 200  # Telegram's retry

    assert telegram.webhook_statuses == [500]
    assert len(logged_errors.take()) == 1
    assert [e.text for e in sink.events] == ["hello"]


async def test_a_refused_webhook_is_one_warning_and_retried(
    telegram: FakeTelegram,
    telegram_channels: Build,
    sink: RecordingSink,
    webhook_server: tuple[str, dict[str, TelegramChannel]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    url, mounted = webhook_server
    telegram.fail_next(
        "setWebhook",
        1,
        400,
        {"ok": False, "error_code": 400, "description": "Bad Request: bad webhook: HTTPS url"},
    )
    channel = telegram_channels(webhook_url=url, webhook_secret="secret")
    mounted["channel"] = channel
    await channel.start(sink)
    assert not channel.healthy
    await telegram.wait_for_call("setWebhook", count=2)  # retried after the backoff
    refusals = [r for r in caplog.records if "refused the request" in r.getMessage()]
    assert refusals and all(r.exc_info is None for r in refusals)
    assert "https url" in refusals[0].getMessage().lower()


class BusyOnce(RecordingSink):
    """A sink whose front desk is too busy for the first event it is handed (a full backlog
    raises ``Overloaded`` before storing anything), then takes everything."""

    def __init__(self) -> None:
        super().__init__()
        self.refused = 0

    async def __call__(self, event: InboundEvent) -> None:
        if not self.refused:
            self.refused += 1
            raise Overloaded("the front desk is very busy", 0.05)
        await super().__call__(event)


async def test_a_busy_front_desk_leaves_a_polled_update_unconfirmed_and_takes_it_later(
    telegram: FakeTelegram, telegram_channels: Build
) -> None:
    sink = BusyOnce()
    channel = telegram_channels()
    await channel.start(sink)

    update = await telegram.inject_message("Where is my parcel?")
    await sink.wait_for(1)

    # Fetched again after the wait: the offset had not moved past it (the fake, like
    # Telegram, forgets only what a higher offset confirmed).
    assert sink.refused == 1
    assert [e.platform_message_id for e in sink.events] == [
        f"message:4242:{update['message']['message_id']}"
    ]


async def test_a_busy_front_desk_answers_the_webhook_503_with_retry_after(
    telegram: FakeTelegram,
    telegram_channels: Build,
    webhook_server: tuple[str, dict[str, TelegramChannel]],
) -> None:
    url, mounted = webhook_server
    sink = BusyOnce()
    channel = telegram_channels(webhook_url=url, webhook_secret="secret")
    mounted["channel"] = channel
    await channel.start(sink)

    update = load("telegram_private_text.json")
    headers = {"X-Telegram-Bot-Api-Secret-Token": "secret"}
    async with aiohttp.ClientSession() as session:
        async with session.post(url, json=update, headers=headers) as response:
            assert response.status == 503
            assert response.headers["Retry-After"] == "1"
        assert sink.events == []
        async with session.post(url, json=update, headers=headers) as response:  # sent again
            assert response.status == 200
    assert len(sink.events) == 1
