"""Fixtures for the channel tests: the platform fakes, a sink, and the library error collector."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator

import pytest

from tests.channels.fake_telegram import FakeTelegram
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


@pytest.fixture
def sink() -> RecordingSink:
    return RecordingSink()


@pytest.fixture
async def telegram(logged_errors: ErrorCollector) -> AsyncIterator[FakeTelegram]:
    fake = FakeTelegram()
    await fake.start()
    yield fake
    await fake.stop()
