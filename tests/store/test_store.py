"""The store on SQLite and PostgreSQL: migrations, group commit, de-duplication, the outbox,
files, the account directory, identities, timers and cool-downs."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from models import (
    Attachment,
    ChannelKind,
    Conversation,
    Direction,
    DuplicateMessage,
    Message,
    NotFound,
    OutboxBody,
    Prediction,
    Priority,
    SenderKind,
    TicketFilter,
    TicketStatus,
    TicketType,
    ValidationError,
)
from models.accounts import Account, AccountRole
from store import tables as t
from store.database import Store
from store.migrate import current_revisions, upgrade
from store.outbox import REDACTED
from store.unit_of_work import UnitOfWork

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[Store]:
    await upgrade(database_url)
    async with Store(database_url) as opened:
        yield opened


async def new_conversation(uow: UnitOfWork, address: str = "chat-1") -> Conversation:
    customer = await uow.customers.get_or_create(ChannelKind.TELEGRAM, address, NOW, "Ada")
    return await uow.conversations.add(
        Conversation(id=0, channel=ChannelKind.TELEGRAM, customer_id=customer.id, address=address),
        NOW,
    )


def inbound(conversation_id: int, text: str, platform_id: str | None) -> Message:
    return Message(
        id=0,
        conversation_id=conversation_id,
        seq=0,
        direction=Direction.INBOUND,
        sender=SenderKind.CUSTOMER,
        text=text,
        platform_message_id=platform_id,
    )


@pytest.mark.empty_database
async def test_migrations_are_applied_once_and_reported(database_url: str) -> None:
    from alembic.script import ScriptDirectory

    from store.migrate import alembic_config

    assert await current_revisions(database_url) == set()
    await upgrade(database_url)
    await upgrade(database_url)  # idempotent
    heads = set(ScriptDirectory.from_config(alembic_config()).get_heads())
    assert await current_revisions(database_url) == heads


async def test_a_redelivered_platform_message_is_stored_once(store: Store) -> None:
    conversation = await store.write(new_conversation)

    async def receive(uow: UnitOfWork) -> Message:
        return await uow.messages.add(
            inbound(conversation.id, "hello", "update:42"), ChannelKind.TELEGRAM, NOW, False
        )

    first = await store.write(receive)
    with pytest.raises(DuplicateMessage):
        await store.write(receive)
    stored = await store.read(lambda uow: uow.messages.in_conversation(conversation.id))
    assert [m.id for m in stored] == [first.id]
    assert await store.read(lambda uow: uow.messages.unprocessed()) == [(first.id, conversation.id)]


async def test_concurrent_writes_share_commits_and_keep_messages_in_order(store: Store) -> None:
    conversation = await store.write(new_conversation)

    async def write_one(i: int) -> int:
        async def work(uow: UnitOfWork) -> int:
            message = await uow.messages.add(
                inbound(conversation.id, f"m{i}", None), ChannelKind.TELEGRAM, NOW
            )
            return message.seq

        return await store.write(work)

    batches_before = store.batches
    seqs = await asyncio.gather(*(write_one(i) for i in range(200)))
    assert sorted(seqs) == list(range(1, 201))
    assert store.batches - batches_before < 200  # group commit: fewer commits than writes
    stored = await store.read(lambda uow: uow.messages.in_conversation(conversation.id))
    assert [m.seq for m in stored] == list(range(1, 201))


async def test_a_failing_write_does_not_undo_its_neighbours_in_the_batch(store: Store) -> None:
    conversation = await store.write(new_conversation)

    async def good(uow: UnitOfWork) -> None:
        await uow.messages.add(inbound(conversation.id, "kept", None), ChannelKind.TELEGRAM, NOW)

    async def bad(uow: UnitOfWork) -> None:
        await uow.messages.add(inbound(conversation.id, "lost", None), ChannelKind.TELEGRAM, NOW)
        raise NotFound("something the write needed is gone")

    results = await asyncio.gather(
        store.write(good), store.write(bad), store.write(good), return_exceptions=True
    )
    assert isinstance(results[1], NotFound)
    stored = await store.read(lambda uow: uow.messages.in_conversation(conversation.id))
    assert [m.text for m in stored] == ["kept", "kept"]


async def test_after_commit_callbacks_run_only_for_committed_work(store: Store) -> None:
    ran: list[str] = []

    async def ok(uow: UnitOfWork) -> None:
        uow.after_commit(lambda: ran.append("ok"))

    async def failing(uow: UnitOfWork) -> None:
        uow.after_commit(lambda: ran.append("failing"))
        raise NotFound("nope")

    await store.write(ok)
    with pytest.raises(NotFound):
        await store.write(failing)
    assert ran == ["ok"]


async def test_tickets_round_trip_with_filters(store: Store) -> None:
    from service.bus import EventBus
    from service.desk import Desk

    desk = Desk(EventBus(), clock=lambda: NOW)
    prediction = Prediction("system_downtime", TicketType.INCIDENT, Priority.HIGH, 0.91, "eng")

    async def open_one(uow: UnitOfWork) -> int:
        conversation = await new_conversation(uow, "chat-t")
        customer = await uow.customers.get(conversation.customer_id)
        ticket = await desk.open_ticket(uow, conversation, customer, "API down", prediction)
        return ticket.id

    ticket_id = await store.write(open_one)
    ticket = await store.read(lambda uow: uow.tickets.get(ticket_id))
    assert (ticket.type, ticket.priority, ticket.status) == (
        TicketType.INCIDENT,
        Priority.HIGH,
        TicketStatus.NEW,
    )
    assert ticket.created_at == NOW
    assert ticket.first_response_due == NOW + timedelta(hours=1)
    found = await store.read(
        lambda uow: uow.tickets.list(TicketFilter(statuses=[TicketStatus.NEW], type="incident"))
    )
    assert [t.id for t in found] == [ticket_id]
    assert await store.read(lambda uow: uow.tickets.list(TicketFilter(type="problem"))) == []
    events = await store.read(lambda uow: uow.events.for_ticket(ticket_id))
    assert [e.kind for e in events] == ["created"]
    with pytest.raises(NotFound):
        await store.read(lambda uow: uow.tickets.get(ticket_id + 100))


async def test_outbox_lease_lets_one_worker_take_an_item(store: Store) -> None:
    async def enqueue(uow: UnitOfWork) -> int:
        return await uow.outbox.add("telegram", "chat-9", OutboxBody("hi"), NOW)

    item_id = await store.write(enqueue)
    later = NOW + timedelta(seconds=60)

    async def claim(uow: UnitOfWork) -> bool:
        return await uow.outbox.claim(item_id, NOW, later)

    assert await store.write(claim) is True
    assert await store.write(claim) is False  # leased by the first
    assert await store.read(lambda uow: uow.outbox.due(NOW, ["telegram"])) == []
    due_later = await store.read(lambda uow: uow.outbox.due(later, ["telegram"]))
    assert [i.id for i in due_later] == [item_id]
    assert due_later[0].attempts == 1


async def test_a_closed_store_refuses_writes(database_url: str) -> None:
    from store.database import StoreClosed

    await upgrade(database_url)
    store = await Store(database_url).open()
    await store.close()
    with pytest.raises(StoreClosed):
        await store.write(new_conversation)


async def test_a_platforms_locale_is_stored_as_its_iso_639_1_code(store: Store) -> None:
    async def meet(uow: UnitOfWork) -> list[str]:
        tags = ("en-US", "pt-br", "zh_Hant", "de", "", None)
        found = [
            await uow.customers.get_or_create(ChannelKind.DISCORD, f"u{i}", NOW, "Ada", tag)
            for i, tag in enumerate(tags)
        ]
        return [(await uow.customers.get(c.id)).language for c in found]

    assert await store.write(meet) == ["en", "pt", "zh", "de", "en", "en"]


@pytest.mark.empty_database
async def test_the_migration_cuts_locales_stored_before_it(database_url: str) -> None:
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    await upgrade(database_url, "0011")
    engine = create_async_engine(database_url)
    insert = text(
        "INSERT INTO customers (channel, external_id, display_name, language, email_verified, "
        "created_at) VALUES ('discord', :id, 'Ada', :language, false, :now)"
    )
    async with engine.begin() as conn:
        for i, tag in enumerate(("en-US", "fr_CA", "es", "es-419")):
            await conn.execute(insert, {"id": f"u{i}", "language": tag, "now": NOW})
    await upgrade(database_url)
    async with engine.connect() as conn:
        rows = await conn.execute(text("SELECT language FROM customers ORDER BY external_id"))
        assert [r[0] for r in rows] == ["en", "fr", "es", "es"]
    await engine.dispose()


async def test_a_files_row_reads_back_whole_by_id_and_by_message(store: Store) -> None:
    """Every field of an attachment's row comes back (``store/attachments.py``), a name is cut
    to its column's 255 characters, and files are found for any number of messages (asked in
    chunks of 500: one file sits at the first id asked, one just past the first chunk)."""
    conversation = await store.write(new_conversation)

    async def two_files(uow: UnitOfWork) -> list[Attachment]:
        kept = []
        for i, name in enumerate(["é" * 300 + ".png", "crash.log"]):
            message = await uow.messages.add(
                inbound(conversation.id, f"file {i}", None), ChannelKind.TELEGRAM, NOW
            )
            thumbnail = "t0" if i == 0 else None
            file = Attachment(
                0, conversation.id, message.id, name, "image/png", 1234 + i, f"k{i}", thumbnail
            )
            kept.append(await uow.attachments.add(file, NOW + timedelta(seconds=i)))
        return kept

    png, log = await store.write(two_files)
    assert png == Attachment(
        png.id, conversation.id, png.message_id, "é" * 255, "image/png", 1234, "k0", "t0", NOW
    )
    assert await store.read(lambda uow: uow.attachments.get(png.id)) == png
    assert await store.read(lambda uow: uow.attachments.get(log.id)) == log
    assert (log.name, log.size, log.thumbnail_key) == ("crash.log", 1235, None)
    assert log.created_at == NOW + timedelta(seconds=1)
    assert png.message_id is not None and log.message_id is not None
    asked = [png.message_id, *range(10**6, 10**6 + 499), log.message_id, 10**7]
    found = await store.read(lambda uow: uow.attachments.of_messages(asked))
    assert found == {png.message_id: [png], log.message_id: [log]}
    with pytest.raises(NotFound, match=r"^no such file$"):  # the API's 404 says so
        await store.read(lambda uow: uow.attachments.get(log.id + 1))


async def test_an_outbox_item_reads_back_whole_and_keeps_what_its_end_asks(store: Store) -> None:
    """``store/outbox.py``: a body's every field comes back; a sent item records when, a
    failed one the error's first 2,000 characters; the body goes only when the caller asks
    (a mail with a reset link or a code must not stay in the database)."""
    mail = OutboxBody("secret", (), None, "Your code", "FD-1001", (4,), "Ann", "Billing")

    async def four(uow: UnitOfWork) -> list[int]:
        chat = await new_conversation(uow)
        said = await uow.messages.add(inbound(chat.id, "hi", None), ChannelKind.TELEGRAM, NOW)
        first = await uow.outbox.add("email", "a@x.org", mail, NOW, chat.id, said.id)
        return [first] + [await uow.outbox.add("email", f"a{i}@x.org", mail, NOW) for i in range(3)]

    sent, kept, redacted, retried = await store.write(four)
    due = await store.read(lambda uow: uow.outbox.due(NOW, ["email"]))
    assert [i.body for i in due] == [mail] * 4
    assert None not in (due[0].conversation_id, due[0].message_id)
    assert (due[1].conversation_id, due[1].message_id) == (None, None)

    async def end(uow: UnitOfWork) -> None:
        await uow.outbox.mark_sent(sent, NOW + timedelta(seconds=1), redact=True)
        await uow.outbox.mark_failed(kept, "e" * 3000)
        await uow.outbox.mark_failed(redacted, "refused", redact=True)
        await uow.outbox.retry_at(retried, NOW + timedelta(minutes=1), "r" * 3000)

    await store.write(end)

    async def rows(uow: UnitOfWork) -> dict[int, tuple[Any, ...]]:
        o = t.outbox.c
        found = await uow.conn.execute(select(o.id, o.status, o.body, o.last_error, o.sent_at))
        return {r.id: (r.status, r.body, r.last_error, r.sent_at) for r in found}

    stored = await store.read(rows)
    assert stored[sent][:3] == ("sent", REDACTED, None) and stored[sent][3] is not None
    assert stored[kept][0] == "failed" and stored[kept][2] == "e" * 2000
    assert stored[kept][1]["text"] == "secret" and stored[kept][3] is None
    assert stored[redacted][:3] == ("failed", REDACTED, "refused")
    assert stored[retried][0] == "pending" and stored[retried][2] == "r" * 2000


async def test_an_account_reads_back_whole_and_changes_as_asked(store: Store) -> None:
    """The built-in directory's rows (``store/fulfilment.py``): every field, lower-cased unique
    emails, the order of the list, and each refusal's words (the admin CLI prints them)."""

    async def two(uow: UnitOfWork) -> list[Account]:
        ann = await uow.accounts.add(" Ann@Acme.com ", "Ann", NOW, "acme", AccountRole.ADMIN)
        return [ann, await uow.accounts.add("bob@acme.com", "Bob", NOW)]

    ann, bob = await store.write(two)
    assert ann == Account(ann.id, "ann@acme.com", "Ann", "acme", AccountRole.ADMIN, (), NOW)
    assert await store.read(lambda uow: uow.accounts.get(ann.id)) == ann
    assert (bob.org, bob.role, bob.features) == (None, AccountRole.MEMBER, ())
    later = NOW + timedelta(hours=1)
    changed = await store.write(
        lambda uow: uow.accounts.update(bob.id, later, email=" Robert@Acme.com", features=["sso"])
    )
    assert (changed.email, changed.name, changed.features) == ("robert@acme.com", "Bob", ("sso",))
    await store.write(lambda uow: uow.accounts.update(ann.id, later, name="Ann"))  # moves its row
    assert await store.read(lambda uow: uow.accounts.list()) == [ann, changed]
    for work, why in (
        (lambda uow: uow.accounts.add("ANN@acme.com", "A", NOW), "an account with the email "
         "ANN@acme.com exists already"),
        (lambda uow: uow.accounts.update(bob.id, later, email="ann@acme.com"),
         "that email address belongs to another account"),
        (lambda uow: uow.accounts.get("999"), "account 999 does not exist"),
    ):  # fmt: skip
        with pytest.raises(ValidationError) as refused:
            await store.write(work)
        assert str(refused.value) == why


async def test_identities_with_one_verified_email_become_one_person(store: Store) -> None:
    async def customers(uow: UnitOfWork) -> list[int]:
        telegram = ChannelKind.TELEGRAM
        made = [await uow.customers.get_or_create(telegram, f"t{i}", NOW, "A") for i in range(5)]
        await uow.customers.set_email(made[2].id, "ann@example.com", False)
        return [c.id for c in made]

    c = await store.write(customers)

    def link(customer: int, email: str) -> Any:
        return store.write(lambda uow: uow.fulfilment.link_verified_email(customer, email))

    async def rows() -> dict[int, tuple[Any, ...]]:
        query = select(t.customers.c.id, t.customers.c.email, t.customers.c.email_verified,
                       t.customers.c.person_id)  # fmt: skip
        found = await store.read(lambda uow: uow.conn.execute(query))
        return {r.id: (r.email, r.email_verified, r.person_id) for r in found}

    assert await link(c[0], " Ann@Example.COM ") == c[0]
    assert await link(c[3], "bob@example.com") == c[3]  # no one to link: nobody else changes
    assert await link(c[1], "ann@example.com") == c[0]  # the earlier person
    assert await link(c[4], "bob@example.com") == c[3]
    stored = await rows()
    assert stored[c[0]] == stored[c[1]] == ("ann@example.com", True, c[0])
    assert stored[c[2]] == ("ann@example.com", False, None)  # not verified: not linked
    assert stored[c[3]] == stored[c[4]] == ("bob@example.com", True, c[3])
    assert await link(c[4], "ann@example.com") == c[0]  # two people merge, whole: c[3] too
    assert {stored[2] for stored in (await rows()).values()} == {c[0], None}


async def test_timers_fall_due_in_order_and_cooldowns_read_back(store: Store) -> None:
    async def three(uow: UnitOfWork) -> list[int]:
        ids = [(await new_conversation(uow, f"chat-{i}")).id for i in range(3)]
        for minutes, conversation in zip((5, 1, 9), ids, strict=True):
            await uow.fulfilment.set_timer(conversation, NOW + timedelta(minutes=minutes))
        await uow.fulfilment.set_cooldown("h1", NOW)
        await uow.fulfilment.set_cooldown("h1", NOW + timedelta(hours=1))  # replaced
        return ids

    a, b, c = await store.write(three)

    def due(at: datetime, limit: int = 500) -> Any:
        return store.read(lambda uow: uow.fulfilment.due_timers(at, limit))

    assert await due(NOW + timedelta(minutes=5)) == [b, a]  # due at that minute: included
    assert await due(NOW + timedelta(minutes=9), 2) == [b, a]
    assert await due(NOW + timedelta(minutes=9)) == [b, a, c]
    cooldown = await store.read(lambda uow: uow.fulfilment.cooldown_until("h1"))
    assert cooldown == NOW + timedelta(hours=1)
    assert await store.read(lambda uow: uow.fulfilment.cooldown_until("h2")) is None
