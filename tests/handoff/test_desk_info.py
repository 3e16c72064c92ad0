"""Questions about the front desk itself are answered from settings and the open problems:
support hours (in the customer's language, with whether we're open now), how to reach us, and
whether a problem is known (with the time it was opened); no ticket is opened for them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from models import ChannelKind, Prediction, Priority, TicketType

from .conftest import LiveDesk


async def ask(desk: LiveDesk, text: str, language: str | None = None) -> str:
    http = desk.http()
    body = {"language": language} if language else {}
    async with http.post(desk.url("/api/chat/sessions"), json=body) as r:
        session: Any = await r.json()
    from .conftest import Customer

    customer = Customer(desk, http, session["session_id"], session["token"])
    await customer.say(text)
    return str((await customer.wait_for(lambda m: m["sender"] == "bot"))["text"])


async def test_support_hours_contact_and_status_come_from_settings(
    make_desk: Any, sqlite_url: str
) -> None:
    desk: LiveDesk = await make_desk(
        sqlite_url,
        business_hours="mon-fri 09:00-17:00 +01:00",
        support_contact="support@example.com or +44 20 7946 0000",
    )
    hours = await ask(desk, "What are your support hours?")
    assert "Monday to Friday, 09:00–17:00 (UTC+01:00)" in hours
    assert "We're open right now." in hours or "We're closed right now and back" in hours
    german = await ask(desk, "Was sind eure Öffnungszeiten?", "de")
    assert "Montag bis Freitag von 09:00 bis 17:00 (UTC+01:00)" in german
    contact = await ask(desk, "How can I contact you by phone? What's your phone number?")
    assert "support@example.com or +44 20 7946 0000" in contact
    quiet = await ask(desk, "Is there an outage right now?")
    assert "We don't know of any outage" in quiet

    async def open_problem(uow: Any) -> None:
        customer = await uow.customers.get_or_create(
            ChannelKind.WEB, "ops", datetime(2026, 11, 30, 8, 12, tzinfo=UTC), "Ops"
        )
        from models import Conversation

        conversation = await uow.conversations.add(
            Conversation(id=0, channel=customer.channel, customer_id=customer.id, address="ops"),
            desk.fd.desk.clock(),
        )
        await desk.fd.desk.open_ticket(
            uow,
            conversation,
            customer,
            "Logins fail with error 502 for every user",
            Prediction("login_failure", TicketType.PROBLEM, Priority.HIGH, 1.0),
        )

    await desk.fd.store.write(open_problem)
    known = await ask(desk, "Is there an outage right now?")
    assert "Yes, we know about this" in known
    assert "“Logins fail with error 502 for every user”, known since" in known
    french = await ask(desk, "Y a-t-il une panne en cours ?", "fr")
    assert "Oui, nous sommes au courant" in french and "connu depuis le" in french
    listed = await desk.fd.store.read(lambda uow: uow.tickets.list(_all()))
    assert len(listed) == 1  # the problem itself: no question opened a ticket


def _all() -> Any:
    from models import TicketFilter

    return TicketFilter()


async def test_around_the_clock_without_a_contact_setting(desk: LiveDesk) -> None:
    assert "around the clock" in await ask(desk, "When are you open?")
    assert "right here in this chat" in await ask(desk, "What are your contact details?")
    spanish = await ask(desk, "¿Cuál es vuestro horario de atención?", "es")
    assert "las 24 horas" in spanish
