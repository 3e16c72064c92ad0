"""Email by IMAP polling: mail placed in a mailbox (a fake IMAP server on 127.0.0.1, the
network edge) opens a ticket, automatic mail opens nothing, the customer's answer to the
agent's mail threads back into the same ticket after a restart, and no mail is fetched twice:
the last UID read is kept in the database. A renumbered folder (new UIDVALIDITY) is read again
and still stores each mail once (its Message-ID)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from models import ChannelKind
from tests.channels.fake_imap import FakeImap, fake_imap
from tests.channels.live import LiveDesk, StartDesk, customer_said, eventually, ticket_id_in
from tests.channels.mail_sink import MailSink, body, mail_sink
from tests.channels.test_email_story import PROBLEM, RAVI, SUPPORT, mail


@pytest.fixture
async def sink() -> AsyncIterator[MailSink]:
    async with mail_sink() as running:
        yield running


@pytest.fixture
async def imap() -> AsyncIterator[FakeImap]:
    async with fake_imap() as running:
        yield running


async def polling(
    desks: StartDesk, database_url: str, sink: MailSink, imap: FakeImap, password: str = ""
) -> LiveDesk:
    return await desks(  # type: ignore[no-any-return]
        database_url,
        smtp_host="127.0.0.1",
        smtp_port=sink.port,
        smtp_from=f"Support <{SUPPORT}>",
        imap_host="127.0.0.1",
        imap_port=imap.port,
        imap_user=imap.user,
        imap_password=password or imap.password,
        imap_tls=False,
        imap_poll_s=0.1,
    )


async def test_mail_from_the_mailbox_opens_a_ticket_and_threads_after_a_restart(
    database_url: str, sink: MailSink, imap: FakeImap, desks: StartDesk
) -> None:
    first = mail("Ravi Kumar <ravi@example.com>", "Cannot log in", PROBLEM, "<imap-1@example.com>")
    imap.deliver(first.as_bytes())
    away = mail(RAVI, "Out of office", "I am away.", "<away-1@example.com>",
                Auto_Submitted="auto-replied")  # fmt: skip
    imap.deliver(away.as_bytes())
    desk = await polling(desks, database_url, sink, imap)

    ack = await sink.wait_for(RAVI, lambda m: "FD-" in str(m["Subject"]))
    tid = ticket_id_in(str(ack["Subject"]))
    assert ack["In-Reply-To"] == "<imap-1@example.com>"
    assert [t.channel for t in await desk.tickets()] == [ChannelKind.EMAIL]
    async with desk.http().get("/healthz") as r:
        assert (await r.json())["channels"]["email"] == "up"
    ann = await desk.agent("ann@example.com")
    await ann.claim(tid)
    await ann.reply(tid, "Hi Ravi, please try once more now.")
    reply = await sink.wait_for(RAVI, lambda m: "try once more" in body(m))
    await eventually(lambda: _read(imap, 2))
    await desk.stop()  # a restart: what was read stays read

    answer = mail(RAVI, f"Re: {reply['Subject']}", "It works now, thanks!", "<imap-3@example.com>",
                  In_Reply_To=str(reply["Message-ID"]))  # fmt: skip
    imap.deliver(answer.as_bytes())
    again = await polling(desks, database_url, sink, imap)
    await eventually(lambda: customer_said(again, tid, "It works now"))
    logins = imap.logins
    await eventually(lambda: _logged_in_since(imap, logins))  # another full round
    assert imap.fetched == [1, 2, 3]  # each mail fetched once, across the restart
    assert len(await again.tickets()) == 1

    imap.uid_validity += 1  # the server renumbered the folder: read it all again...
    await eventually(lambda: _read(imap, 6))
    assert len(await again.tickets()) == 1  # ...and the Message-IDs store each mail once
    assert not any("select" in c.lower() and "examine" not in c.lower() for c in imap.commands)


async def test_a_wrong_password_shows_on_healthz(
    database_url: str, sink: MailSink, imap: FakeImap, desks: StartDesk
) -> None:
    desk = await polling(desks, database_url, sink, imap, password="an-old-password")

    async def refused() -> bool:
        async with desk.http().get("/healthz") as r:
            return bool((await r.json())["channels"]["email"] == "down")

    await eventually(refused)
    assert imap.logins == 0 and any(" LOGIN " in c for c in imap.commands)


async def _read(imap: FakeImap, count: int) -> bool:
    return len(imap.fetched) >= count


async def _logged_in_since(imap: FakeImap, logins: int) -> bool:
    return imap.logins > logins


async def test_of_two_processes_one_polls_the_mailbox_and_the_other_takes_over(
    postgres_url: str, sink: MailSink, imap: FakeImap, desks: StartDesk
) -> None:
    """On PostgreSQL the IMAP poller is a platform receiver: only the holder of the platforms
    lock polls (bot/coordination.py), and a standby takes over when it stops."""
    first = await polling(desks, postgres_url, sink, imap)
    second = await polling(desks, postgres_url, sink, imap)
    assert first.fd.receivers is not None and second.fd.receivers is not None
    assert (first.fd.receivers.started, second.fd.receivers.started) == (["email"], [])
    async with second.http().get("/healthz") as r:  # standing by is healthy
        assert (await r.json())["channels"] == {"web": "up", "email": "standby"}

    imap.deliver(mail(RAVI, "Cannot log in", PROBLEM, "<two-1@example.com>").as_bytes())
    ack = await sink.wait_for(RAVI, lambda m: "FD-" in str(m["Subject"]))
    tid = ticket_id_in(str(ack["Subject"]))
    logins = imap.logins
    await eventually(lambda: _logged_in_since(imap, logins + 10))  # ten more rounds
    assert second.fd.receivers.started == []
    assert imap.fetched == [1]  # one poller: the mail was fetched once, not by each process

    await first.stop()  # its database session ends: the platforms' lock is free
    receivers = second.fd.receivers

    async def taken_over() -> bool:
        return receivers.started == ["email"]

    await eventually(taken_over, within=15)
    answer = mail(RAVI, f"Re: {ack['Subject']}", "Still broken here.", "<two-2@example.com>",
                  In_Reply_To=str(ack["Message-ID"]))  # fmt: skip
    imap.deliver(answer.as_bytes())
    await eventually(lambda: customer_said(second, tid, "Still broken here"))
    assert imap.fetched == [1, 2]
    assert len(await second.tickets()) == 1
