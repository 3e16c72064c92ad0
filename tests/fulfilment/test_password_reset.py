"""Password reset on web chat, over the HTTP API, with a real local SMTP server."""

from __future__ import annotations

import logging
import re

import pytest

from models import ConversationState, TicketStatus
from service.passwords import verify_password

from .conftest import LINK, DeskFactory


def normalised(words: list[str]) -> list[str]:
    return [re.sub(r"FD-\d+", "#", re.sub(r"\S+@\S+", "@", w)) for w in words]


async def test_a_customer_resets_a_forgotten_password_with_a_single_use_link(
    make_desk: DeskFactory, caplog: pytest.LogCaptureFixture, database_url: str
) -> None:
    # INFO as shipped, and everything our own packages log at DEBUG
    caplog.set_level(logging.INFO)
    for ours in ("bot", "handoff", "store", "aiohttp"):
        caplog.set_level(logging.DEBUG, logger=ours)
    desk = await make_desk(database_url)
    await desk.add_account("carol@example.com", "Carol")
    carol = await desk.customer()

    opening = await carol.ask("I forgot my password and can't log in", count=2)
    assert "I can take care of it myself" in opening[0]
    assert "email address" in opening[1]
    words_known = await carol.ask("it's Carol@Example.com")
    bodies = await desk.mail.wait_for("carol@example.com")
    link = LINK.search(bodies[0])
    assert link is not None, bodies[0]

    stranger = await desk.customer()
    await stranger.ask("I need to reset my password", count=2)
    words_unknown = await stranger.ask("nobody@example.com")
    await desk.settle()
    assert normalised(words_known) == normalised(words_unknown)
    assert len(desk.mail.mails) == 1, "no mail for an address without an account"

    url = link.group(0).replace(str(desk.fd.settings.base_url), "")
    page = await desk.client.get(url)
    assert page.status == 200
    html = await page.text()
    assert '<form method="post"' in html and 'type="password"' in html

    form = {"password": "N3w-Secret-Passw0rd!", "confirm": "N3w-Secret-Passw0rd!"}
    assert (await desk.client.post(url, data=form)).status == 200
    replay = await desk.client.post(url, data=form)
    assert replay.status == 410
    assert "expired or was already used" in await replay.text()

    ticket_id = carol.ticket_id()
    rating = await carol.replies()
    assert "has been resolved" in rating[0] and len(carol.last_buttons()) == 5
    ticket = await desk.ticket(ticket_id)
    assert ticket.status is TicketStatus.RESOLVED and ticket.auto_fulfilled
    assert ticket.assignee_id is None and ticket.intent == "password_reset"
    account = await desk.account("carol@example.com")
    stored = await desk.fd.store.read(lambda uow: uow.accounts.password_hash(account.id))
    assert stored and verify_password(stored, "N3w-Secret-Passw0rd!")
    kinds = [e.kind for e in await desk.events(ticket_id)]
    for step in ("started", "fact", "link_sent", "password_set"):
        assert f"fulfilment:{step}" in kinds

    token = link.group(0).rsplit("/", 1)[1]
    chat = " ".join(m["text"] for m in carol.transcript)
    assert token not in chat and "/reset/" not in chat
    assert token not in caplog.text and "/reset/" + token not in caplog.text
    assert not any(token in str(e.detail) for e in await desk.events(ticket_id))


async def test_an_expired_reset_link_is_refused_and_the_ticket_goes_to_an_agent(
    make_desk: DeskFactory,
) -> None:
    desk = await make_desk()
    await desk.add_account("dan@example.com", "Dan")
    dan = await desk.customer()
    await dan.ask("password reset please", count=2)
    await dan.ask("dan@example.com")
    link = LINK.search((await desk.mail.wait_for("dan@example.com"))[0])
    assert link is not None
    url = link.group(0).replace(str(desk.fd.settings.base_url), "")

    desk.clock.advance(minutes=31)
    assert (await desk.client.get(url)).status == 410
    form = {"password": "another-long-password", "confirm": "another-long-password"}
    assert (await desk.client.post(url, data=form)).status == 410

    assert await desk.fd.fulfilment.expire_idle() == 1
    words = await dan.replies()
    assert "haven't seen a new password" in words[0] and "human agent" in words[0]
    ticket = await desk.ticket(dan.ticket_id())
    conversation = await desk.fd.store.read(
        lambda uow: uow.conversations.get(ticket.conversation_id)
    )
    assert conversation.state is ConversationState.WAITING_FOR_AGENT
    assert ticket.status is TicketStatus.NEW and not ticket.auto_fulfilled
    assert any("dan@example.com" in n for n in await desk.notes(dan.ticket_id()))


async def test_a_customer_who_asks_for_a_human_halfway_is_handed_over_with_what_was_gathered(
    make_desk: DeskFactory,
) -> None:
    desk = await make_desk()
    erin = await desk.customer()
    await erin.ask("I can't remember my password", count=2)
    words = await erin.ask("I want to talk to a human")
    assert "human agent" in words[0]
    ticket_id = erin.ticket_id()
    ticket = await desk.ticket(ticket_id)
    assert ticket.status is TicketStatus.NEW
    kinds = [e.kind for e in await desk.events(ticket_id)]
    assert "handoff" in kinds and "fulfilment:customer_asked_for_agent" in kinds
    assert any("password reset" in n for n in await desk.notes(ticket_id))


async def test_stop_ends_the_dialogue_politely_and_closes_the_ticket(
    make_desk: DeskFactory,
) -> None:
    desk = await make_desk()
    finn = await desk.customer()
    await finn.ask("reset my password", count=2)
    words = await finn.ask("stop")
    assert "nothing was changed" in words[0]
    ticket = await desk.ticket(finn.ticket_id())
    assert ticket.status is TicketStatus.CLOSED and not ticket.auto_fulfilled
    assert desk.mail.mails == []


async def test_an_idle_dialogue_is_handed_to_an_agent(make_desk: DeskFactory) -> None:
    desk = await make_desk(FRONTDESK_FULFILMENT_IDLE_TIMEOUT="600")
    gina = await desk.customer()
    await gina.ask("forgot password", count=2)
    assert await desk.fd.fulfilment.expire_idle() == 0
    desk.clock.advance(minutes=11)
    assert await desk.fd.fulfilment.expire_idle() == 1
    words = await gina.replies()
    assert "haven't heard from you" in words[0]
    kinds = [e.kind for e in await desk.events(gina.ticket_id())]
    assert "fulfilment:timeout" in kinds and "handoff" in kinds


async def test_an_invalid_email_is_asked_again_then_handed_over(make_desk: DeskFactory) -> None:
    desk = await make_desk()
    hal = await desk.customer()
    await hal.ask("I need a password reset", count=2)
    assert "doesn't look like an email" in (await hal.ask("my usual one"))[0]
    assert "doesn't look like an email" in (await hal.ask("the work address"))[0]
    words = await hal.ask("dunno")
    assert "human agent" in words[0]


async def test_a_french_customer_gets_the_reset_link_mailed_in_french(
    make_desk: DeskFactory, database_url: str
) -> None:
    from .conftest import Customer

    desk = await make_desk(database_url)
    await desk.add_account("claire@example.com", "Claire")
    resp = await desk.client.post("/api/chat/sessions", json={"language": "fr"})
    body = await resp.json()
    claire = Customer(desk, body["session_id"], body["token"])
    desk.customers.append(claire)
    await claire.ask("J'ai oublié mon mot de passe, je ne peux plus me connecter", count=2)
    await claire.ask("claire@example.com")
    [mail] = await desk.mail.wait_for("claire@example.com")
    assert mail.startswith("Bonjour Claire,") and "réinitialiser votre mot de passe" in mail
    assert LINK.search(mail) is not None
    [(_, message)] = desk.mail.mails
    from email.header import decode_header, make_header

    subject = str(make_header(decode_header(message["Subject"])))
    assert subject.startswith("Réinitialiser votre mot de passe (FD-")
