"""Changes that need a 6-digit code mailed to the account: details, team members, features."""

from __future__ import annotations

import re

from models import ConversationState, TicketStatus

from .conftest import Customer, Desk, DeskFactory


async def verify(desk: Desk, who: Customer, opening: str, email: str) -> list[str]:
    before = len(desk.mail.to(email))
    await who.ask(opening, count=2)
    words = await who.ask(email)
    if await desk.account(email) is not None:
        await desk.mail.wait_for(email, count=before + 1)
    return words


async def test_a_customer_changes_their_name_after_a_mailed_code(make_desk: DeskFactory) -> None:
    desk = await make_desk()
    await desk.add_account("ivy@example.com", "Ivy Old")
    ivy = await desk.customer()
    words = await verify(desk, ivy, "I'd like to change the name on my account", "ivy@example.com")
    assert "6-digit code" in words[0]
    code = desk.mail.code_for("ivy@example.com")
    wrong = "000000" if code != "000000" else "111111"
    assert "4 attempts left" in (await ivy.ask(wrong))[0]
    assert "name or your email" in (await ivy.ask(f"the code is {code}"))[0]
    assert "new name" in (await ivy.ask("name"))[0]
    done = await ivy.ask("Ivy Newname", count=2)
    assert "Ivy Newname" in done[0] and "has been resolved" in done[1]
    assert (await desk.account("ivy@example.com")).name == "Ivy Newname"
    ticket = await desk.ticket(ivy.ticket_id())
    assert ticket.status is TicketStatus.RESOLVED and ticket.auto_fulfilled
    customer = await desk.fd.store.read(lambda uow: uow.customers.get(ticket.customer_id))
    assert customer.email == "ivy@example.com" and customer.email_verified
    assert customer.person_id is not None
    chat = " ".join(m["text"] for m in ivy.transcript if m["sender"] != "customer")
    assert code not in chat
    kinds = [e.kind for e in await desk.events(ivy.ticket_id())]
    assert kinds.count("fulfilment:code_wrong") == 1 and "fulfilment:verified" in kinds


async def test_an_email_change_is_confirmed_on_the_old_and_the_new_address(
    make_desk: DeskFactory,
) -> None:
    desk = await make_desk()
    await desk.add_account("jo@old.example", "Jo")
    jo = await desk.customer()
    await verify(desk, jo, "please update my email address", "jo@old.example")
    await jo.ask(desk.mail.code_for("jo@old.example"))
    assert "new email address" in (await jo.ask("email"))[0]
    assert "6-digit code" in (await jo.ask("jo@new.example"))[0]
    await desk.mail.wait_for("jo@new.example")
    assert await desk.account("jo@new.example") is None, "nothing changes before the 2nd code"
    done = await jo.ask(desk.mail.code_for("jo@new.example"), count=2)
    assert "jo@new.example" in done[0]
    assert (await desk.account("jo@new.example")) is not None
    await desk.mail.wait_for("jo@old.example", count=2)  # the notice to the old address


async def test_five_wrong_codes_hand_over_and_pause_codes_for_that_address(
    make_desk: DeskFactory,
) -> None:
    desk = await make_desk()
    await desk.add_account("kim@example.com", "Kim")
    kim = await desk.customer()
    await verify(desk, kim, "change my account name", "kim@example.com")
    code = desk.mail.code_for("kim@example.com")
    wrong = [c for c in ("123456", "234567", "345678", "456789", "567890", "678901") if c != code]
    for attempt in wrong[:4]:
        assert "not right" in (await kim.ask(attempt))[0]
    last = await kim.ask(wrong[4])
    assert "last attempt" in last[0] and "human agent" in last[0]
    ticket = await desk.ticket(kim.ticket_id())
    conversation = await desk.fd.store.read(
        lambda uow: uow.conversations.get(ticket.conversation_id)
    )
    assert conversation.state is ConversationState.WAITING_FOR_AGENT
    assert any("kim@example.com" in n for n in await desk.notes(kim.ticket_id()))
    assert (await desk.account("kim@example.com")).name == "Kim"

    again = await desk.customer()  # the same person (or an attacker) starts over at once
    await again.ask("I want to change my name", count=2)
    words = await again.ask("kim@example.com")
    assert "paused" in words[0] and "human agent" in words[0]
    assert len(desk.mail.to("kim@example.com")) == 1, "no new code during the cool-down"


async def test_an_expired_code_is_replaced_once_then_handed_over(make_desk: DeskFactory) -> None:
    desk = await make_desk()
    await desk.add_account("lee@example.com", "Lee")
    lee = await desk.customer()
    await verify(desk, lee, "I need to change my name", "lee@example.com")
    desk.clock.advance(minutes=11)
    words = await lee.ask(desk.mail.code_for("lee@example.com"), count=2)
    assert "expired" in words[0] and "6-digit code" in words[1]
    await desk.mail.wait_for("lee@example.com", count=2)
    desk.clock.advance(minutes=11)
    words = await lee.ask(desk.mail.code_for("lee@example.com"))
    assert "expired" in words[0] and "human agent" in words[0]
    kinds = [e.kind for e in await desk.events(lee.ticket_id())]
    assert kinds.count("fulfilment:code_expired") == 2 and "handoff" in kinds


async def test_the_bot_says_the_same_whether_or_not_the_account_exists(
    make_desk: DeskFactory,
) -> None:
    desk = await make_desk()
    await desk.add_account("max@example.com", "Max")
    known, unknown = await desk.customer(), await desk.customer()
    said_known = await verify(desk, known, "change my account name", "max@example.com")
    said_known += await known.ask("123456")
    said_unknown = await verify(desk, unknown, "change my account name", "ghost@example.com")
    said_unknown += await unknown.ask("123456")

    def same(words: list[str]) -> list[str]:
        return [re.sub(r"FD-\d+", "#", w) for w in words]

    if desk.mail.code_for("max@example.com") != "123456":
        assert same(said_known) == same(said_unknown)
    assert desk.mail.to("ghost@example.com") == []


async def test_an_admin_adds_a_team_member_but_a_member_may_not(make_desk: DeskFactory) -> None:
    desk = await make_desk()
    await desk.add_account("nora@acme.example", "Nora", org="Acme", role="admin")
    await desk.add_account("otto@acme.example", "Otto", org="Acme", role="member")
    nora = await desk.customer()
    await verify(desk, nora, "please add a new user to our team", "nora@acme.example")
    assert "person to add" in (await nora.ask(desk.mail.code_for("nora@acme.example")))[0]
    await nora.ask("pia@acme.example")
    done = await nora.ask("Pia Park", count=2)
    assert "member of Acme" in done[0]
    pia = await desk.account("pia@acme.example")
    assert pia is not None and pia.org == "Acme" and pia.role.value == "member"
    await desk.mail.wait_for("pia@acme.example")

    otto = await desk.customer()
    await verify(desk, otto, "add a colleague to my team", "otto@acme.example")
    await otto.ask(desk.mail.code_for("otto@acme.example"))
    await otto.ask("quinn@acme.example")
    words = await otto.ask("Quinn")
    assert "not an administrator" in words[0] and "human agent" in words[0]
    assert await desk.account("quinn@acme.example") is None
    assert "fulfilment:refused" in [e.kind for e in await desk.events(otto.ticket_id())]


async def test_features_are_granted_per_the_entitlement_list(make_desk: DeskFactory) -> None:
    desk = await make_desk()
    await desk.add_account("rita@example.com", "Rita", org="Rco", role="member")
    rita = await desk.customer()
    await verify(desk, rita, "I need access to the API", "rita@example.com")
    done = await rita.ask(desk.mail.code_for("rita@example.com"), count=2)
    assert "API access" in done[0]  # the feature was named in the opening message
    assert "api_access" in (await desk.account("rita@example.com")).features

    again = await desk.customer()
    await verify(desk, again, "can you enable a feature for me", "rita@example.com")
    assert "Which feature" in (await again.ask(desk.mail.code_for("rita@example.com", -1)))[0]
    words = await again.ask("single sign-on please")
    assert "approval" in words[0] and "human agent" in words[0]
    assert "sso" not in (await desk.account("rita@example.com")).features
