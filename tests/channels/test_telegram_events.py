"""Translation of recorded Telegram updates: a pure function, no network."""

from __future__ import annotations

import pytest

from bot.channels.telegram_events import event_from_json, parse_command
from bot.ports import InboundEvent
from models import ChannelKind
from tests.channels.payloads import load


def test_private_text_message() -> None:
    assert event_from_json(load("telegram_private_text.json")) == InboundEvent(
        channel=ChannelKind.TELEGRAM,
        platform_message_id="message:5123456789:1377",
        user_id="5123456789",
        address="5123456789",
        text="My parcel never arrived, order 1234",
        display_name="Grace Hopper",
        language="de",
    )


@pytest.mark.parametrize(
    ("payload", "command", "text"),
    [
        ("telegram_start.json", "start", ""),
        ("telegram_status_addressed.json", "status", "FD-000042"),
        ("telegram_new.json", "new", ""),
    ],
)
def test_commands(payload: str, command: str, text: str) -> None:
    event = event_from_json(load(payload))
    assert event is not None
    assert (event.command, event.text) == (command, text)


def test_display_name_falls_back_to_first_name_then_username() -> None:
    event = event_from_json(load("telegram_start.json"))
    assert event is not None and event.display_name == "Grace"


def test_button_press_is_a_payload_with_the_buttons_label() -> None:
    assert event_from_json(load("telegram_callback.json")) == InboundEvent(
        channel=ChannelKind.TELEGRAM,
        platform_message_id="callback:4382bfdwdsb323b2d9",
        user_id="5123456789",
        address="5123456789",
        text="No",
        payload="resolved:no",
        display_name="Grace Hopper",
        language="de",
    )


def test_photo_caption_counts_as_text() -> None:
    event = event_from_json(load("telegram_photo_caption.json"))
    assert event is not None and event.text == "the box arrived broken"


@pytest.mark.parametrize(
    "payload", ["telegram_group_text.json", "telegram_sticker.json", "telegram_edited.json"]
)
def test_ignored_updates(payload: str) -> None:
    assert event_from_json(load(payload)) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/START now", ("start", "now")),
        ("/help", (None, "/help")),
        ("/started", (None, "/started")),
        ("hello /start", (None, "hello /start")),
        ("/new\nsecond line", ("new", "second line")),
    ],
)
def test_parse_command(text: str, expected: tuple[str | None, str]) -> None:
    assert parse_command(text) == expected
