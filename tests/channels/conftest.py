"""Fixtures for the channel tests: the platform fakes, a sink, and the library error collector."""

from __future__ import annotations

import logging
import warnings
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

with warnings.catch_warnings():
    # discord.py 2.7 imports the stdlib ``audioop`` for voice (unused here), which warns on
    # Python 3.11+; under ``filterwarnings=error`` that import would fail. Importing it once
    # here caches the module for every test. (The project-wide fix is a pyproject filter.)
    warnings.filterwarnings("ignore", "'audioop' is deprecated", DeprecationWarning)
    import discord  # noqa: F401

from bot.channels.discord import DiscordChannel
from bot.channels.telegram import TelegramChannel
from classifier.base import Classifier
from tests.channels.fake_discord import SUPPORT_CHANNEL_ID, FakeDiscord
from tests.channels.fake_telegram import FakeTelegram
from tests.channels.live import LiveDesk, StartDesk, start_desk
from tests.channels.sink import RecordingSink


class ErrorCollector(logging.Handler):
    """Collects ERROR records: both SDKs only log exceptions raised inside handlers."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def take(self) -> list[logging.LogRecord]:
        """The records so far, forgotten: for tests that expect an error to be logged."""
        records, self.records = self.records, []
        return records


@pytest.fixture
def logged_errors() -> Iterator[ErrorCollector]:
    collector = ErrorCollector()
    root = logging.getLogger()
    root.addHandler(collector)
    try:
        yield collector
    finally:
        root.removeHandler(collector)
    messages = [f"{r.name}: {r.getMessage()}" for r in collector.records]
    assert not messages, f"errors were logged: {messages}"


@pytest.fixture(autouse=True)
def ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    """Opt in to python-telegram-bot's timedelta periods.

    ``RetryAfter.__init__`` itself reads its deprecated int ``retry_after``, so under
    ``filterwarnings=error`` a 429 would surface as a ``PTBDeprecationWarning`` raised inside
    the library. The adapter reads the value either way.
    """
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


@pytest.fixture
def sink() -> RecordingSink:
    return RecordingSink()


@pytest.fixture
async def telegram(logged_errors: ErrorCollector) -> AsyncIterator[FakeTelegram]:
    fake = FakeTelegram()
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
async def telegram_channels(
    telegram: FakeTelegram,
) -> AsyncIterator[Callable[..., TelegramChannel]]:
    """Builds :class:`TelegramChannel` s pointed at the fake; stops them all at teardown."""
    built: list[TelegramChannel] = []

    def build(**options: Any) -> TelegramChannel:
        options.setdefault("base_url", telegram.base_url)
        options = {**TELEGRAM_TEST_OPTIONS, **options}
        channel = TelegramChannel(telegram.token, **options)
        built.append(channel)
        return channel

    yield build
    for channel in reversed(built):
        await channel.stop()


TELEGRAM_TEST_OPTIONS: dict[str, Any] = {
    "poll_timeout": 5,
    "request_timeout": 2.0,
    "backoff_initial": 0.05,
    "backoff_max": 0.2,
}


@pytest.fixture
async def discord_fake(logged_errors: ErrorCollector) -> AsyncIterator[FakeDiscord]:
    """The fake Discord; channels reach it through their ``api_url``/``gateway_url``."""
    fake = FakeDiscord()
    await fake.start()
    yield fake
    await fake.stop()


DISCORD_TEST_OPTIONS: dict[str, Any] = {
    "support_channel_id": int(SUPPORT_CHANNEL_ID),
    "guild_ready_timeout": 0.05,
    "backoff_initial": 0.05,
    "backoff_max": 0.2,
    "start_timeout": 5.0,
}


@pytest.fixture
async def discord_channels(
    discord_fake: FakeDiscord,
) -> AsyncIterator[Callable[..., DiscordChannel]]:
    """Builds :class:`DiscordChannel` s for the fake; stops them all at teardown."""
    built: list[DiscordChannel] = []

    def build(**options: Any) -> DiscordChannel:
        options = {**DISCORD_TEST_OPTIONS, **discord_fake.urls, **options}
        channel = DiscordChannel("fake-discord-token", **options)
        built.append(channel)
        return channel

    yield build
    for channel in reversed(built):
        await channel.stop()


@pytest.fixture
async def desks(
    tmp_path: Path, trained_classifier: Classifier, logged_errors: ErrorCollector
) -> AsyncIterator[StartDesk]:
    """Starts whole front desks (``create_app`` served over HTTP); stops them at teardown.

    Ask for the platform fake and the database before this fixture, so the desks stop before
    the fake stops and the database is dropped.
    """
    started: list[LiveDesk] = []

    async def start(database_url: str, **options: Any) -> LiveDesk:
        desk = await start_desk(database_url, tmp_path, trained_classifier, **options)
        started.append(desk)
        return desk

    yield start
    for desk in reversed(started):
        await desk.stop()
