"""A hand-written channel for tests: records what it is asked to send, fails when told to."""

from __future__ import annotations

import asyncio

from bot.ports import ChannelSendError, InboundEvent, InboundSink, OutboundMessage
from models import ChannelKind


class RecordingChannel:
    name = ChannelKind.TELEGRAM

    def __init__(self) -> None:
        self.sent: list[OutboundMessage] = []
        self.failures: list[ChannelSendError] = []
        self.sink: InboundSink | None = None
        self.healthy = True
        self._arrived = asyncio.Condition()

    async def start(self, sink: InboundSink) -> None:
        self.sink = sink

    async def stop(self) -> None:
        self.sink = None

    async def send(self, message: OutboundMessage) -> None:
        if self.failures:
            raise self.failures.pop(0)
        async with self._arrived:
            self.sent.append(message)
            self._arrived.notify_all()

    async def customer_says(
        self, update_id: int, user: str, text: str = "", payload: str | None = None
    ) -> None:
        assert self.sink is not None
        await self.sink(
            InboundEvent(
                channel=ChannelKind.TELEGRAM,
                platform_message_id=f"update:{update_id}",
                user_id=user,
                address=f"chat-{user}",
                text=text,
                payload=payload,
                display_name=user.title(),
            )
        )

    async def wait_for(self, count: int, timeout: float = 10) -> list[OutboundMessage]:
        async with self._arrived:
            await asyncio.wait_for(self._arrived.wait_for(lambda: len(self.sent) >= count), timeout)
        return self.sent
