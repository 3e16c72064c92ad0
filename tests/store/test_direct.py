"""The hot statements sent to the driver directly (store/direct.py) read and write exactly what
SQLAlchemy's execution of the same statements reads and writes, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from models import (
    Agent,
    AgentRole,
    Attachment,
    Button,
    ChannelKind,
    Conversation,
    CsatPrompt,
    Direction,
    DuplicateMessage,
    Message,
    OutboxBody,
    Priority,
    SenderKind,
    Ticket,
    TicketEvent,
    TicketStatus,
    TicketType,
)
from store import direct
from store import tables as t
from store.attachments import attachments
from store.database import Store
from store.migrate import upgrade
from store.unit_of_work import UnitOfWork
from tests.conftest import PG_URL
from tests.databases import create_pg_database, drop_pg_database
from tests.store.test_store import NOW, inbound

TABLES = (
    t.customers, t.conversations, t.messages, t.tickets, t.ticket_events, t.outbox,
    t.rate_counters, attachments,
)  # fmt: skip


@pytest.fixture
async def second_url(database_url: str, tmp_path: Path) -> AsyncIterator[str]:
    """Another empty database of the same kind as ``database_url``."""
    if database_url.startswith("sqlite"):
        yield f"sqlite+aiosqlite:///{tmp_path}/second.db"
        return
    url, name = await create_pg_database(PG_URL, migrated=False)
    try:
        yield url
    finally:
        await drop_pg_database(PG_URL, name)


async def message_path(store: Store) -> list[Any]:
    """Every hot statement's repository call, as a message's path makes them; what each read."""
    seen: list[Any] = []

    async def accept(uow: UnitOfWork) -> int:
        customer = await uow.customers.get_or_create(ChannelKind.WEB, "s-1", NOW, "Ada")
        again = await uow.customers.get_or_create(ChannelKind.WEB, "s-1", NOW, "Ada")
        conversation = await uow.conversations.add(
            Conversation(id=0, channel=ChannelKind.WEB, customer_id=customer.id, address="s-1"),
            NOW,
            access_token_hash="hash-1",
        )
        message = inbound(conversation.id, "Card payments fail at checkout", None)
        stored = await uow.messages.add(
            message, ChannelKind.WEB, NOW, processed=False, claimed_until=NOW
        )
        seen.extend([customer, again, conversation.id, stored.id, stored.seq])
        return conversation.id

    conversation_id = await store.write(accept)

    async def process(uow: UnitOfWork) -> None:
        seen.append(await uow.turns.of_conversation(conversation_id))
        seen.append(await uow.turns.at(ChannelKind.WEB, "s-1"))
        taken = await uow.turns.take(1, NOW + timedelta(seconds=1))
        seen.extend([taken, await uow.turns.take(1, NOW)])  # the second finds it taken
        conversation, customer, _ = await uow.turns.of_conversation(conversation_id)
        ticket = await uow.tickets.add(
            Ticket(
                id=0, conversation_id=conversation_id, customer_id=customer.id,
                channel=ChannelKind.WEB, description="Card payments fail",
                type=TicketType.INCIDENT,
                priority=Priority.HIGH, intent="payment_failure",
                confidence=0.8125, created_at=NOW, updated_at=NOW,
                first_response_due=NOW + timedelta(hours=1),
            )
        )  # fmt: skip
        await uow.events.add(TicketEvent(ticket.id, "bot", "created", None, "new", "", NOW))
        seen.append(await uow.events.has_kind(ticket.id, "created"))
        seen.append(await uow.events.has_kind(ticket.id, "handoff"))
        await uow.messages.attach_to_ticket(1, ticket.id)
        conversation.ticket_id = ticket.id
        conversation.dialogue = CsatPrompt(ticket.id, 1)
        await uow.conversations.save(conversation, NOW + timedelta(seconds=2))
        reply = Message(
            id=0, conversation_id=conversation_id, seq=0,
            direction=Direction.OUTBOUND,
            sender=SenderKind.BOT, text="Sorry about that",
            buttons=(Button("Yes", "yes"),), ticket_id=ticket.id,
        )  # fmt: skip
        seen.append((await uow.messages.add(reply, ChannelKind.WEB, NOW)).seq)
        ticket.status = TicketStatus.ASSIGNED
        ticket.bot_first_response_at = NOW
        await uow.tickets.save(ticket)
        seen.append(await uow.tickets.get(ticket.id, for_update=True))
        seen.append(await uow.handoff.online_agents(NOW - timedelta(minutes=5)))
        file = Attachment(0, conversation_id, 2, "error.png", "image/png", 12, "k/1", "k/1t")
        await uow.attachments.add(file, NOW)
        for address in ("chat-1", "chat-2"):
            body = OutboxBody("hi", (Button("Yes", "yes"),))
            await uow.outbox.add("telegram", address, body, NOW, conversation_id)
        seen.append(await uow.outbox.next_due_at(["telegram", "discord"]))
        seen.append(due := await uow.outbox.due(NOW, ["telegram"], limit=5))
        seen.append(await uow.outbox.claim(due[0].id, NOW, NOW + timedelta(seconds=30)))
        seen.append(await uow.outbox.claim(due[0].id, NOW, NOW + timedelta(seconds=30)))
        await uow.outbox.mark_sent(due[0].id, NOW, redact=True)
        for minute in (0, 1, 20):  # a window, one more hit in it, a new window
            when = NOW + timedelta(minutes=minute)
            seen.append(await uow.limits.hit("tickets:ip:203.0.113.9", when, timedelta(minutes=15)))

    await store.write(process)

    async def poll(uow: UnitOfWork) -> None:
        seen.append(await uow.conversations.access_token_hash(ChannelKind.WEB, "s-1"))
        seen.append(await uow.messages.in_conversation(conversation_id))
        seen.append(await uow.messages.in_conversation(conversation_id, 1, include_internal=True))
        seen.append(await uow.conversations.get(conversation_id))
        seen.append(await uow.conversations.current(ChannelKind.WEB, "s-1"))
        seen.append(await uow.customers.get(1))
        seen.append(await uow.messages.get(2))
        seen.append(await uow.messages.is_processed(1))
        seen.append(await uow.tickets.get(1))

    await store.read(poll, small=True)
    await store.read(poll)

    async def mark(uow: UnitOfWork) -> bool:
        return await uow.messages.mark_processed(2, NOW)

    seen.append(await store.write(mark))

    async def duplicate(uow: UnitOfWork) -> None:
        for _ in range(2):
            message = inbound(conversation_id, "again", "update:7")
            await uow.messages.add(message, ChannelKind.WEB, NOW)

    with pytest.raises(DuplicateMessage):  # the driver's IntegrityError, as SQLAlchemy's
        await store.write(duplicate)
    return seen


async def tables(store: Store) -> list[list[tuple[Any, ...]]]:
    async def dump(uow: UnitOfWork) -> list[list[tuple[Any, ...]]]:
        found = []
        for table in TABLES:
            query = select(table).order_by(next(iter(table.columns)))
            found.append([tuple(r) for r in (await uow.conn.execute(query)).all()])
        return found

    store.direct = False
    return await store.read(dump)


async def test_hot_statements_read_and_write_what_sqlalchemy_does(
    database_url: str, second_url: str
) -> None:
    results = []
    for url, sent_directly in ((database_url, False), (second_url, True)):
        await upgrade(url)
        async with Store(url) as store:

            async def add_agent(uow: UnitOfWork) -> None:
                agent = Agent(0, "ann@example.com", "Ann", AgentRole.AGENT, "x", ("billing",))
                agent = await uow.agents.add(agent, NOW)
                await uow.agents.set_online(agent.id, True, NOW)

            await store.write(add_agent)
            store.direct = sent_directly
            statements = store.statements
            seen = await message_path(store)
            results.append((seen, await tables(store), store.statements - statements))
    (through_sqlalchemy, rows_a, count_a), (direct_, rows_b, count_b) = results
    assert direct_ == through_sqlalchemy
    assert rows_b == rows_a
    dialect = "sqlite" if database_url.startswith("sqlite") else "postgresql"
    # Every statement sent directly is counted as before; on SQLite the small read (the poll's)
    # sends no BEGIN of its own when its statements go directly (store/connections.py).
    assert count_b == count_a - (dialect == "sqlite")
    plans = {key: plan for key, plan in direct._PLANS.items() if key[0] == dialect}
    assert len(plans) >= 20 and all(plan is not None for plan in plans.values()), plans
