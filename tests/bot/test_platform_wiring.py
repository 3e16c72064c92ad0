"""Which platform channels the settings turn on, and the mistakes they refuse at start-up."""

from __future__ import annotations

import logging

import pytest

from bot.app import chat_platforms
from bot.channels.discord import DiscordChannel
from bot.channels.telegram import TelegramChannel
from bot.settings import SettingsError, load_settings


def test_no_token_no_platform() -> None:
    platforms = chat_platforms(load_settings(environ={}))
    assert platforms.channels == {} and platforms.webhooks == {}


def test_tokens_turn_the_platforms_on_and_keep_the_token_out_of_the_logs() -> None:
    logging.getLogger("httpx").setLevel(logging.NOTSET)
    settings = load_settings(
        environ={
            "FRONTDESK_TELEGRAM_TOKEN": "123:abc",
            "FRONTDESK_DISCORD_TOKEN": "discord-token",
            "FRONTDESK_DISCORD_SUPPORT_CHANNEL_ID": "1100000000000000004",
            "FRONTDESK_DISCORD_SYNC_COMMANDS": "true",
        }
    )
    platforms = chat_platforms(settings)
    assert isinstance(platforms.channels["telegram"], TelegramChannel)
    assert isinstance(platforms.channels["discord"], DiscordChannel)
    assert platforms.webhooks == {}, "long polling unless a webhook URL is set"
    assert settings.discord_sync_commands
    # httpx logs Bot API URLs, which contain the token, at INFO
    assert logging.getLogger("httpx").getEffectiveLevel() == logging.WARNING


def test_a_webhook_url_mounts_its_path() -> None:
    settings = load_settings(
        environ={
            "FRONTDESK_TELEGRAM_TOKEN": "123:abc",
            "FRONTDESK_TELEGRAM_WEBHOOK_URL": "https://support.example.com/hooks/telegram",
            "FRONTDESK_TELEGRAM_WEBHOOK_SECRET": "s3cret_-value",
        }
    )
    assert list(chat_platforms(settings).webhooks) == ["/hooks/telegram"]


@pytest.mark.parametrize(
    ("environ", "named"),
    [
        (
            {
                "FRONTDESK_TELEGRAM_TOKEN": "123:abc",
                "FRONTDESK_TELEGRAM_WEBHOOK_URL": "https://support.example.com/hook",
            },
            "FRONTDESK_TELEGRAM_WEBHOOK_SECRET",
        ),
        (
            {
                "FRONTDESK_TELEGRAM_TOKEN": "123:abc",
                "FRONTDESK_TELEGRAM_WEBHOOK_URL": "https://support.example.com/hook",
                "FRONTDESK_TELEGRAM_WEBHOOK_SECRET": "has spaces",
            },
            "FRONTDESK_TELEGRAM_WEBHOOK_SECRET",
        ),
        (
            {"FRONTDESK_DISCORD_TOKEN": "t", "FRONTDESK_DISCORD_SUPPORT_CHANNEL_ID": "#support"},
            "FRONTDESK_DISCORD_SUPPORT_CHANNEL_ID",
        ),
        ({"FRONTDESK_ROLE": "janitor"}, "FRONTDESK_ROLE"),
    ],
)
def test_unusable_settings_are_refused_by_name(environ: dict[str, str], named: str) -> None:
    with pytest.raises(SettingsError, match=named):
        chat_platforms(load_settings(environ=environ))
