"""Email end to end: a real SMTP client (aiosmtplib) mails the front desk's inbound receiver,
an agent answers on the API, the answer reaches a real SMTP server (aiosmtpd) threaded, and the
customer's answer to that threads back into the same ticket."""

from __future__ import annotations

import asyncio
import re
import socket
from collections.abc import AsyncIterator
from email.message import EmailMessage
from urllib.parse import urlsplit

import aiohttp
import aiosmtplib
import pytest

from bot.channels.email import EmailChannel
from handoff.agents import create_agent
from models import ChannelKind, SenderKind
from tests.channels.live import (
    PASSWORD,
    Agent,
    LiveDesk,
    StartDesk,
    customer_said,
    eventually,
    ticket_id_in,
)
from tests.channels.mail_sink import MailSink, body, mail_sink

SUPPORT = "support@desk.test"
RAVI = "ravi@example.com"
PROBLEM = (
    "Hi,\n\nsince your update this morning none of us can log in, the page just reloads.\n\nRavi"
)


@pytest.fixture
async def sink() -> AsyncIterator[MailSink]:
    async with mail_sink() as running:
        yield running


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def on_email(
    desks: StartDesk, database_url: str, sink: MailSink, desk_name: str = "Support"
) -> tuple[LiveDesk, int]:
    inbound = free_port()
    desk = await desks(
        database_url,
        smtp_host="127.0.0.1",
        smtp_port=sink.port,
        smtp_from=f"{desk_name} <{SUPPORT}>",
        smtp_inbound_port=inbound,
    )
    return desk, inbound


def mail(frm: str, subject: str, text: str, message_id: str, **headers: str) -> EmailMessage:
    m = EmailMessage()
    m["From"], m["To"], m["Subject"], m["Message-ID"] = frm, SUPPORT, subject, message_id
    for name, value in headers.items():
        m[name.replace("_", "-")] = value
    m.set_content(text)
    return m


async def send(port: int, message: EmailMessage, sender: str | None = None) -> None:
    await aiosmtplib.send(message, hostname="127.0.0.1", port=port, sender=sender, timeout=10)


async def test_a_mail_opens_one_ticket_and_the_conversation_threads_both_ways(
    database_url: str, sink: MailSink, desks: StartDesk
) -> None:
    desk, inbound = await on_email(desks, database_url, sink)
    async with desk.http().get("/healthz") as r:
        assert (await r.json())["channels"] == {"web": "up", "email": "up"}
    first = mail(
        "Ravi Kumar <ravi@example.com>",
        "Cannot log in since the update",
        PROBLEM,
        "<first-1@example.com>",
    )
    await send(inbound, first)
    await send(inbound, first)  # a relay's retry: the same Message-ID

    ack = await sink.wait_for(RAVI, lambda m: "FD-" in str(m["Subject"]))
    tid = ticket_id_in(str(ack["Subject"]))
    assert str(ack["Subject"]) == f"Re: Cannot log in since the update [{tid}]"
    assert ack["In-Reply-To"] == "<first-1@example.com>"
    assert ack["Auto-Submitted"] == "auto-replied"  # the bot's words: robots must not answer
    assert "human agent" in body(ack)
    tickets = await desk.tickets()
    assert [t.channel for t in tickets] == [ChannelKind.EMAIL]
    customer = await desk.customer(ChannelKind.EMAIL, RAVI)
    assert customer.display_name == "Ravi Kumar"

    ann = await desk.agent("ann@example.com")
    await ann.claim(tid)
    await ann.reply(tid, "Hi Ravi, we rolled back the login change; please try once more.")
    reply = await sink.wait_for(RAVI, lambda m: "rolled back" in body(m))
    assert str(reply["Subject"]) == f"Re: Cannot log in since the update [{tid}]"
    assert reply["In-Reply-To"] == "<first-1@example.com>"
    assert reply["Auto-Submitted"] is None  # a person wrote this one
    assert str(reply["From"]) == f"Support <{SUPPORT}>"

    answer = mail(
        RAVI,
        f"Re: {reply['Subject']}",
        "I can log in again, thank you.\n\nOn Mon, Ann wrote:\n> Hi Ravi, we rolled back",
        "<second-2@example.com>",
        In_Reply_To=str(reply["Message-ID"]),
        References=f"<first-1@example.com> {reply['Message-ID']}",
    )
    await send(inbound, answer)
    await eventually(lambda: customer_said(desk, tid, "I can log in again"))
    said = [m.text for m in (await desk.details(tid)).messages if m.sender is SenderKind.CUSTOMER]
    assert said[-1] == "I can log in again, thank you."  # the quoted history is cut
    assert len(await desk.tickets()) == 1

    await ann.reply(tid, "Glad to hear it.")
    again = await sink.wait_for(RAVI, lambda m: "Glad to hear" in body(m))
    assert again["In-Reply-To"] == "<second-2@example.com>"
    assert "<first-1@example.com>" in str(again["References"])


async def test_the_ticket_id_in_the_subject_threads_only_for_its_customer(
    database_url: str, sink: MailSink, desks: StartDesk
) -> None:
    desk, inbound = await on_email(desks, database_url, sink)
    await send(
        inbound, mail(RAVI, "Export broken", "The PDF export crashes the app.", "<a@example.com>")
    )
    ack = await sink.wait_for(RAVI, lambda m: "FD-" in str(m["Subject"]))
    tid = ticket_id_in(str(ack["Subject"]))

    # a new mail (no threading headers) naming the ticket: the same customer, the same ticket
    await send(
        inbound, mail(RAVI, f"About {tid}", "It also crashes on PNG export.", "<b@example.com>")
    )
    await eventually(lambda: customer_said(desk, tid, "PNG export"))
    # someone else naming it gets a ticket of their own
    await send(
        inbound,
        mail(
            "eve@example.net",
            f"[{tid}] hello",
            "The PDF export crashes for me too.",
            "<c@example.net>",
        ),
    )
    await sink.wait_for("eve@example.net", lambda m: "FD-" in str(m["Subject"]))
    assert len(await desk.tickets()) == 2
    assert not await customer_said(desk, tid, "crashes for me too")


async def test_automatic_mail_opens_nothing_and_gets_no_answer(
    database_url: str, sink: MailSink, desks: StartDesk
) -> None:
    desk, inbound = await on_email(desks, database_url, sink)
    text = "I am away until Monday."
    automatic = [
        mail(
            RAVI,
            "Automatic reply: out of office",
            text,
            "<ooo@example.com>",
            Auto_Submitted="auto-replied",
        ),
        mail(RAVI, "Newsletter", text, "<news@example.com>", Precedence="bulk"),
        mail("MAILER-DAEMON@mx.example.com", "Undelivered Mail", text, "<dsn@example.com>"),
        mail(SUPPORT, "Re: your ticket", text, "<self@desk.test>"),
        mail(RAVI, "Autoreply", text, "<x@example.com>", X_Autoreply="yes"),
    ]
    for message in automatic:
        await send(inbound, message)
    await send(inbound, mail(RAVI, "Bounce", text, "<bounce@example.com>"), sender="")
    await asyncio.sleep(0.5)
    assert await desk.tickets() == []
    assert sink.mails == []


async def test_an_html_mail_becomes_text_and_a_flood_is_cut(
    database_url: str, sink: MailSink, desks: StartDesk
) -> None:
    desk, inbound = await on_email(desks, database_url, sink)
    channel = desk.fd.channels["email"]
    assert isinstance(channel, EmailChannel)
    html = mail(RAVI, "Broken export", "", "<html@example.com>")
    html.set_content(
        "<html><body><p>The <b>PDF export</b> crashes the app.</p><p>Ravi</p></body></html>",
        subtype="html",
    )
    await send(inbound, html)
    await sink.wait_for(RAVI, lambda m: "FD-" in str(m["Subject"]))
    [ticket] = await desk.tickets()
    assert "The **PDF export** crashes the app." in ticket.description
    assert "<b>" not in ticket.description

    flood = channel.flood
    flood.limit = 3
    for n in range(5):
        await send(
            inbound, mail("bot@spam.example", f"Offer {n}", "Buy now.", f"<spam{n}@spam.example>")
        )
    assert channel.received == 1 + 3


async def test_files_travel_by_mail_both_ways(
    database_url: str, sink: MailSink, desks: StartDesk
) -> None:
    from tests.bot.test_attachments import PDF, png

    desk, inbound = await on_email(desks, database_url, sink)
    image = png(64, 48)
    first = mail(RAVI, "Export broken", "The export shows this error.", "<files@example.com>")
    first.add_attachment(image, maintype="image", subtype="png", filename="error.png")
    first.add_attachment(
        b"MZ\x90\x00" + b"\x00" * 64, maintype="image", subtype="png", filename="x.png"
    )
    await send(inbound, first)
    ack = await sink.wait_for(RAVI, lambda m: "FD-" in str(m["Subject"]))
    tid = ticket_id_in(str(ack["Subject"]))
    [message] = [m for m in (await desk.details(tid)).messages if m.sender is SenderKind.CUSTOMER]
    assert [(a.name, a.content_type) for a in message.attachments] == [("error.png", "image/png")]
    assert "[x.png was not kept: files of type application/x-msdownload" in message.text

    ann = await desk.agent("ann@example.com")
    await ann.claim(tid)
    form = aiohttp.FormData()
    form.add_field("text", "The fix is attached.")
    form.add_field("file", PDF, filename="fix.pdf", content_type="application/pdf")
    async with ann.http.post(
        f"/api/agent/tickets/{tid}/attachments", data=form, headers={"X-CSRF-Token": ann.csrf}
    ) as r:
        assert r.status == 201, await r.text()
    reply = await sink.wait_for(RAVI, lambda m: "fix is attached" in body(m))
    [pdf] = list(reply.iter_attachments())
    assert (pdf.get_filename(), pdf.get_content_type()) == ("fix.pdf", "application/pdf")
    assert pdf.get_payload(decode=True) == PDF


async def test_csat_by_mail_is_a_link_to_a_one_click_rating_page(
    database_url: str, sink: MailSink, desks: StartDesk
) -> None:
    desk, inbound = await on_email(desks, database_url, sink)
    await send(inbound, mail(RAVI, "Export broken", "The PDF export crashes.", "<c1@example.com>"))
    ack = await sink.wait_for(RAVI, lambda m: "FD-" in str(m["Subject"]))
    tid = ticket_id_in(str(ack["Subject"]))
    ann = await desk.agent("ann@example.com")
    await ann.claim(tid)
    await ann.resolve(tid, "Fixed in build 42.")
    question = await sink.wait_for(RAVI, lambda m: "/csat/" in body(m))
    links = dict(re.findall(r"- (\d) - [^:\n]+: (\S+)", body(question)))
    assert sorted(links) == ["1", "2", "3", "4", "5"]
    assert links["4"].startswith(desk.settings.base_url + "/csat/")

    paths = {score: urlsplit(url).path for score, url in links.items()}
    http = desk.http()
    async with http.get(paths["4"]) as r:  # a mail scanner opening the link rates nothing
        assert r.status == 200 and "Send my rating" in await r.text()
    assert (await desk.details(tid)).csat is None
    async with http.post(paths["4"]) as r:
        assert r.status == 200 and "Thank you" in await r.text()
    await eventually(lambda: _rated(desk, tid, 4))
    async with http.post(paths["4"]) as r:  # twice: stored once
        assert r.status == 200
    conversation, *rest = paths["5"].removeprefix("/csat/").split(".")
    forged = {  # a changed score, another conversation: the signature does not fit
        "/csat/" + ".".join([conversation, *rest[:2], "1", rest[3]]),
        "/csat/" + ".".join([str(int(conversation) + 1), *rest]),
    }
    for path in forged:
        async with http.post(path) as r:
            assert r.status == 404
    assert (await desk.details(tid)).csat.score == 4  # type: ignore[union-attr]


async def _rated(desk: LiveDesk, tid: str, score: int) -> bool:
    csat = (await desk.details(tid)).csat
    return csat is not None and csat.score == score


async def test_the_rating_page_speaks_the_customer_s_language(
    database_url: str, sink: MailSink, desks: StartDesk
) -> None:
    """A customer who writes in French gets the rating page and its thanks in French."""
    desk, inbound = await on_email(desks, database_url, sink)
    french = (
        "Bonjour, depuis la mise à jour de ce matin l'export en PDF plante à chaque fois que "
        "je clique sur le bouton. Pouvez-vous m'aider, s'il vous plaît ?"
    )
    await send(inbound, mail(RAVI, "Export en PDF", french, "<fr1@example.com>"))
    ack = await sink.wait_for(RAVI, lambda m: "FD-" in str(m["Subject"]))
    tid = ticket_id_in(str(ack["Subject"]))
    ann = await desk.agent("ann@example.com")
    await ann.claim(tid)
    await ann.resolve(tid, "Corrigé dans la version 42.")
    question = await sink.wait_for(RAVI, lambda m: "/csat/" in body(m))
    link = urlsplit(re.findall(r"- 4 - [^:\n]+: (\S+)", body(question))[0]).path
    http = desk.http()
    async with http.get(link) as r:
        page = await r.text()
    assert r.status == 200 and '<html lang="fr">' in page
    assert "Comment avons-nous fait ?" in page and "Envoyer mon évaluation : 4 - Bien" in page
    assert "Send my rating" not in page
    async with http.post(link) as r:
        thanks = await r.text()
    assert r.status == 200 and "Votre évaluation (4 - Bien) est enregistrée." in thanks
    await eventually(lambda: _rated(desk, tid, 4))
    async with http.get(link[:-3] + "000") as r:  # a broken link: nobody to ask, in English
        assert r.status == 404 and "This rating link does not work" in await r.text()


def lines(m: EmailMessage) -> str:
    """A mail's text with plain line ends (the wire has CRLF)."""
    return body(m).replace("\r\n", "\n").rstrip()


async def test_replies_are_signed_by_the_agent_with_the_team_and_the_bot_with_the_desk(
    database_url: str, sink: MailSink, desks: StartDesk
) -> None:
    """Before, an agent's mail ended with their words: the customer could not tell a person
    from the bot, nor who of the team answered."""
    desk, inbound = await on_email(desks, database_url, sink, "Acme Support")
    await send(inbound, mail(RAVI, "Cannot log in", PROBLEM, "<sig-1@example.com>"))
    ack = await sink.wait_for(RAVI, lambda m: "FD-" in str(m["Subject"]))
    tid = ticket_id_in(str(ack["Subject"]))
    assert lines(ack).endswith("\n-- \nAcme Support")  # the bot: the desk's name only

    await create_agent(desk.fd.store, "ann@example.com", "Ann Lee", "agent", PASSWORD)
    ann = Agent(desk.http())
    await ann.login("ann@example.com")
    await ann.ok("PATCH", f"/api/agent/tickets/{tid}", {"team": "billing"})
    await ann.reply(tid, "Hi Ravi, we rolled back the login change.")
    reply = await sink.wait_for(RAVI, lambda m: "rolled back" in body(m))
    assert lines(reply).endswith(
        "rolled back the login change.\n\n-- \nAnn Lee\nBilling team · Acme Support"
    )
    await ann.ok(
        "POST",
        f"/api/agent/tickets/{tid}/messages",
        {"text": "Checked the logs.", "internal": True},
    )
    await ann.reply(tid, "Fixed for good now.")
    last = await sink.wait_for(RAVI, lambda m: "Fixed for good" in body(m))
    assert "Checked the logs" not in body(last)  # a note never goes out, signed or not
