"""Abuse limits on mailed codes (issue #15, "Why" 3: 21 reset mails reached one address in
~10 s): per address and per web-chat client address per hour, with the same words whether an
account has the address or not."""

from __future__ import annotations

from .conftest import DeskFactory
from .test_password_reset import normalised

LIMITED = "we have sent as many codes as we can for now"


async def asks_for_a_code(desk, address: str) -> list[str]:  # type: ignore[no-untyped-def]
    customer = await desk.customer()
    await customer.ask("I forgot my password and can't log in", count=2)
    return await customer.ask(address)


async def test_one_address_gets_a_few_codes_an_hour_and_a_stranger_learns_nothing(
    make_desk: DeskFactory, database_url: str
) -> None:
    desk = await make_desk(
        database_url,
        FRONTDESK_MAILS_PER_ADDRESS_PER_HOUR="2",
        FRONTDESK_MAILS_PER_IP_PER_HOUR="0",
    )
    await desk.add_account("carol@example.com", "Carol")
    for _ in range(2):
        assert LIMITED not in " ".join(await asks_for_a_code(desk, "carol@example.com"))
    await desk.mail.wait_for("carol@example.com", count=2)

    refused_known = await asks_for_a_code(desk, "carol@example.com")
    assert LIMITED in " ".join(refused_known)
    for _ in range(2):
        await asks_for_a_code(desk, "nobody@example.com")
    refused_unknown = await asks_for_a_code(desk, "nobody@example.com")
    assert normalised(refused_known) == normalised(refused_unknown)
    await desk.settle()
    assert len(desk.mail.to("carol@example.com")) == 2, "the third code was mailed anyway"

    desk.clock.advance(hours=1, seconds=1)
    await asks_for_a_code(desk, "carol@example.com")
    await desk.mail.wait_for("carol@example.com", count=3)


async def test_one_client_address_cannot_mail_codes_to_many_addresses(
    make_desk: DeskFactory, sqlite_url: str
) -> None:
    desk = await make_desk(
        sqlite_url, FRONTDESK_MAILS_PER_IP_PER_HOUR="2", FRONTDESK_MAILS_PER_ADDRESS_PER_HOUR="0"
    )
    for name in ("ann", "bob", "cyd"):
        await desk.add_account(f"{name}@example.com", name.title())
    assert LIMITED not in " ".join(await asks_for_a_code(desk, "ann@example.com"))
    assert LIMITED not in " ".join(await asks_for_a_code(desk, "bob@example.com"))
    assert LIMITED in " ".join(await asks_for_a_code(desk, "cyd@example.com"))
    await desk.settle()
    assert desk.mail.to("cyd@example.com") == []
    last = await _last_ticket(desk)
    assert "fulfilment:mail_limit" in [e.kind for e in await desk.events(last)]


async def _last_ticket(desk) -> str:  # type: ignore[no-untyped-def]
    from models import TicketFilter, format_ticket_id

    tickets = await desk.fd.store.read(lambda uow: uow.tickets.list(TicketFilter()))
    return format_ticket_id(max(t.id for t in tickets))
