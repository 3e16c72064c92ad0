"""The delivery worker: drains the outbox through the channels, with retries.

An outbox row is written in the same transaction as the decision to send it, so nothing is lost.
Before sending, the worker leases the row (moves its next attempt into the future); after the
platform accepted it, the row is marked sent. A crash between the two leaves the row to be tried
again when the lease ends: at-least-once towards the platform, with the window shrunk to one
API call. Web chat reads messages straight from the store, so its sends cannot repeat.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from models import Attachment, TicketEvent
from service.bus import OUTBOX_TOPIC, EventBus

from .ports import (
    ChannelPermanentError,
    ChannelRateLimited,
    ChannelSendError,
    FileData,
    OutboundMessage,
)

if TYPE_CHECKING:
    from service.attachments import Files
    from store.database import Store
    from store.outbox import OutboxItem
    from store.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

Sender = Callable[[OutboundMessage], Awaitable[None]]
LEASE = timedelta(seconds=60)
MAX_ATTEMPTS = 12
MAX_BACKOFF = 300.0


MIN_WAIT = 0.05
"""The shortest pause between rounds, so a row that cannot be leased never spins the loop."""


class _WaitingTurn(ChannelSendError):
    """Not tried: an earlier message to the same address failed, and this one goes after it."""

    def __init__(self) -> None:
        super().__init__("waiting for an earlier message")


def backoff_seconds(attempts: int) -> float:
    """1, 2, 4 ... seconds, capped at five minutes."""
    return float(min(MAX_BACKOFF, 2 ** max(0, attempts - 1)))


class DeliveryWorker:
    """Sends due outbox items; one per process, safe to run in several processes at once."""

    def __init__(
        self,
        store: Store,
        senders: Mapping[str, Sender],
        bus: EventBus,
        clock: Callable[[], datetime],
        *,
        batch: int = 200,
        idle_wait: float = 2.0,
        files: Files | None = None,
    ) -> None:
        self.files = files
        self.store = store
        self.senders = dict(senders)
        self.bus = bus
        self.clock = clock
        self.batch = batch
        self.idle_wait = idle_wait
        self.sent = 0
        self.failed = 0

    def add_sender(self, channel: str, sender: Sender) -> None:
        self.senders[channel] = sender

    async def deliver_until_idle(self) -> None:
        """The background job (``periodic`` in ``bot/app.py``): rounds until nothing is due."""
        while await self.deliver_due():
            pass

    async def wait_for_work(self, seconds: float) -> None:
        """Between rounds: until a new outbox row is committed, a retry falls due (a rate
        limit's ``retry_after``), or ``seconds`` at most."""
        channels = list(self.senders)
        due = await self.store.read(lambda uow: uow.outbox.next_due_at(channels))
        if due is not None:
            seconds = min(seconds, max(MIN_WAIT, (due - self.clock()).total_seconds()))
        await self.bus.wait(OUTBOX_TOPIC, seconds)

    async def deliver_due(self) -> int:
        """One round: lease what is due, send it, record the outcome. Returns items handled."""
        now = self.clock()
        channels = list(self.senders)
        due = await self.store.read(lambda uow: uow.outbox.due(now, channels, self.batch))
        if not due:
            return 0
        lease_until = now + LEASE

        async def lease(uow: UnitOfWork) -> list[OutboxItem]:
            return [item for item in due if await uow.outbox.claim(item.id, now, lease_until)]

        leased = await self.store.write(lease)
        by_address: dict[tuple[str, str], list[OutboxItem]] = defaultdict(list)
        for item in leased:
            by_address[(item.channel, item.address)].append(item)
        outcomes = await asyncio.gather(
            *(self._send_in_order(items) for items in by_address.values())
        )

        async def record(uow: UnitOfWork) -> None:
            for results in outcomes:
                turn: datetime | None = None  # when the address's failed message is due again
                for item, error in results:
                    if isinstance(error, _WaitingTurn):  # keeps its place behind that one
                        await uow.outbox.retry_at(item.id, turn or self.clock(), str(error))
                        await uow.outbox.release_attempt(item.id)
                    else:
                        turn = await self._record(uow, item, error)

        await self.store.write(record)
        return len(leased)

    async def _send_in_order(
        self, items: list[OutboxItem]
    ) -> list[tuple[OutboxItem, ChannelSendError | None]]:
        """Send one address's items in order; after a failure the rest are not tried: they are
        due again with the failed one, behind it (a platform outage must not reorder a
        customer's replies)."""
        results: list[tuple[OutboxItem, ChannelSendError | None]] = []
        failed: ChannelSendError | None = None
        for item in items:
            if failed is not None:
                results.append((item, _WaitingTurn()))
                continue
            try:
                await self.senders[item.channel](_outbound(item, await self._files(item)))
                results.append((item, None))
            except ChannelSendError as exc:
                failed = exc
                results.append((item, exc))
            except Exception as exc:  # an adapter bug must not stop delivery for everyone
                log.exception("channel %s raised outside its contract", item.channel)
                failed = ChannelSendError(f"{type(exc).__name__}: {exc}")
                results.append((item, failed))
        return results

    async def _files(self, item: OutboxItem) -> tuple[FileData, ...]:
        """The bytes of the files an outbox row names (none on web chat: it reads the store)."""
        if not item.body.attachments or self.files is None or item.channel == "web":
            return ()
        ids = item.body.attachments

        async def rows(uow: UnitOfWork) -> list[Attachment]:
            return [await uow.attachments.get(i) for i in ids]

        loaded = []
        for found in await self.store.read(rows):
            data, content_type = await self.files.read(found)
            loaded.append(FileData(found.name, content_type, data))
        return tuple(loaded)

    async def _record(
        self, uow: UnitOfWork, item: OutboxItem, error: ChannelSendError | None
    ) -> datetime | None:
        """Record one attempt's outcome; returns when the item is tried again (None: done)."""
        now = self.clock()
        secret = item.channel == "email"  # mails carry codes and links: keep no copy
        if error is None:
            await uow.outbox.mark_sent(item.id, now, redact=secret)
            self.sent += 1
            return None
        tried = item.attempts + 1  # ``item`` was read before its claim counted this attempt
        if isinstance(error, ChannelPermanentError) or tried >= MAX_ATTEMPTS:
            await uow.outbox.mark_failed(item.id, str(error), redact=secret)
            self.failed += 1
            log.warning("giving up on outbox item %d: %s", item.id, error)
            await self._note_blocked(uow, item, str(error))
            return None
        if isinstance(error, ChannelRateLimited):
            wait = error.retry_after
        else:
            wait = backoff_seconds(tried)
            log.info("outbox item %d failed (%s); retrying in %.0fs", item.id, error, wait)
        when = now + timedelta(seconds=wait)
        await uow.outbox.retry_at(item.id, when, str(error))
        return when

    async def _note_blocked(self, uow: UnitOfWork, item: OutboxItem, error: str) -> None:
        """Record on the conversation (and its ticket) that the customer cannot be reached."""
        if item.conversation_id is None:
            return
        conversation = await uow.conversations.get(item.conversation_id)
        conversation.delivery_blocked = error[:500]
        await uow.conversations.save(conversation, self.clock())
        if conversation.ticket_id is not None:
            await uow.events.add(
                TicketEvent(
                    ticket_id=conversation.ticket_id,
                    actor="system",
                    kind="delivery_failed",
                    detail=error[:500],
                    created_at=self.clock(),
                )
            )


def _outbound(item: OutboxItem, files: tuple[FileData, ...] = ()) -> OutboundMessage:
    return OutboundMessage(
        files=files,
        channel=item.channel,
        address=item.address,
        text=item.body.text,
        buttons=item.body.buttons,
        outbox_id=item.id,
        message_id=item.message_id,
        conversation_id=item.conversation_id,
        extra=item.body.extra,
    )
