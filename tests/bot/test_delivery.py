"""The outbox and the engine across crashes, retries and platforms that say no."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.app import running
from bot.delivery import backoff_seconds
from bot.ports import ChannelPermanentError, ChannelRateLimited, ChannelTemporaryError
from classifier.base import Classifier
from models import ChannelKind, OutboxBody, TicketFilter

from .chat import settings_for
from .recording_channel import RecordingChannel


async def test_a_message_stored_before_a_crash_is_answered_once_after_restart(
    database_url: str, tmp_path: Path, trained_classifier: Classifier
) -> None:
    settings = settings_for(database_url, tmp_path)
    channel = RecordingChannel()
    async with running(
        settings, classifier=trained_classifier, extra_channels={"telegram": channel}
    ) as fd:
        await fd.engine.stop()  # the process "dies" right after storing the next message
        await channel.customer_says(1, "ada", "Our whole team cannot log in since this morning")
    assert channel.sent == []

    channel = RecordingChannel()
    async with running(
        settings, classifier=trained_classifier, extra_channels={"telegram": channel}
    ) as fd:
        sent = await channel.wait_for(2)
        await channel.customer_says(1, "ada", "Our whole team cannot log in since this morning")
        await asyncio.sleep(0.5)  # a redelivered update must not produce anything
        tickets = await fd.store.read(lambda uow: uow.tickets.list(TicketFilter()))
    assert len(sent) == 2 and "FD-1001" in sent[0].text  # and "what email..." after the hand-off
    assert "email address" in sent[1].text
    assert len(tickets) == 1


async def test_a_reply_produced_before_a_crash_is_sent_after_restart(
    sqlite_url: str, tmp_path: Path, trained_classifier: Classifier
) -> None:
    settings = settings_for(sqlite_url, tmp_path)
    channel = RecordingChannel()
    async with running(
        settings, classifier=trained_classifier, extra_channels={"telegram": channel}
    ) as fd:
        await fd.jobs["delivery"].stop()  # the reply is produced but never sent
        await channel.customer_says(7, "bo", "The invoice PDF is empty")
        for _ in range(100):
            if fd.engine.processed:
                break
            await asyncio.sleep(0.05)
    assert channel.sent == []
    channel = RecordingChannel()
    async with running(
        settings, classifier=trained_classifier, extra_channels={"telegram": channel}
    ):
        sent = await channel.wait_for(2)
        await asyncio.sleep(0.3)
    assert len(sent) == 2 and {m.address for m in sent} == {"chat-bo"}  # the ticket, the question


async def test_rate_limits_and_outages_are_retried_and_blocked_users_recorded(
    sqlite_url: str, tmp_path: Path, trained_classifier: Classifier
) -> None:
    channel = RecordingChannel()
    channel.failures = [ChannelRateLimited(0.2), ChannelTemporaryError("502 from platform")]
    async with running(
        settings_for(sqlite_url, tmp_path),
        classifier=trained_classifier,
        extra_channels={"telegram": channel},
    ) as fd:
        loop = asyncio.get_running_loop()
        started = loop.time()
        await channel.customer_says(
            1, "cy", "Card payments keep failing at checkout for all our customers"
        )
        sent = await channel.wait_for(1, timeout=15)
        assert loop.time() - started >= 0.2  # waited as the platform asked
        assert "FD-" in sent[0].text

        channel.failures = [ChannelPermanentError("Forbidden: bot was blocked by the user")]
        await channel.customer_says(2, "dee", "I want to talk to a human")
        for _ in range(100):
            conversation = await fd.store.read(
                lambda uow: uow.conversations.current(ChannelKind.TELEGRAM, "chat-dee")
            )
            if conversation and conversation.delivery_blocked:
                break
            await asyncio.sleep(0.05)
        assert conversation is not None
        assert "blocked" in (conversation.delivery_blocked or "")
        events = await fd.store.read(lambda uow: uow.events.for_ticket(conversation.ticket_id))
        assert "delivery_failed" in [e.kind for e in events]
        for _ in range(100):  # the hand-off's question follows; then nothing is left to retry
            if await fd.store.read(lambda uow: uow.outbox.depth()) == 0:
                break
            await asyncio.sleep(0.05)
        assert await fd.store.read(lambda uow: uow.outbox.depth()) == 0  # no retry loop


def test_backoff_doubles_and_is_capped() -> None:
    assert [backoff_seconds(n) for n in (1, 2, 3, 4)] == [1, 2, 4, 8]
    assert backoff_seconds(30) == 300


async def test_a_mail_keeps_no_copy_of_its_one_time_link_once_delivered(
    sqlite_url: str, tmp_path: Path, trained_classifier: Classifier
) -> None:
    from sqlalchemy import select

    from service.bus import OUTBOX_TOPIC
    from store import tables

    secret = "https://desk.example/reset/s3cr3t-token"
    async with running(settings_for(sqlite_url, tmp_path), classifier=trained_classifier) as fd:

        async def enqueue(uow) -> int:  # type: ignore[no-untyped-def]
            uow.after_commit(lambda: fd.bus.publish(OUTBOX_TOPIC))
            return await uow.outbox.add(
                "email", "carol@example.com", OutboxBody(secret, subject="Reset"), fd.desk.clock()
            )

        item = await fd.store.write(enqueue)
        for _ in range(100):
            row = await fd.store.read(
                lambda uow: uow.conn.execute(
                    select(tables.outbox).where(tables.outbox.c.id == item)
                )
            )
            found = row.mappings().first()
            if found["status"] == "sent":
                break
            await asyncio.sleep(0.05)
    assert found["status"] == "sent"
    assert secret not in str(found["body"])
    mails = list((tmp_path / "mail").glob("*.eml"))
    assert len(mails) == 1 and "s3cr3t-token" in mails[0].read_text()
