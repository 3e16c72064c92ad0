"""One reset link alive per account (issue #15, "Why" 4 and 8d): a newer link revokes the
earlier ones, using one revokes the rest, and of concurrent submissions of one link exactly one
sets the password."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from service.passwords import verify_password
from store.database import Store
from store.migrate import upgrade
from store.unit_of_work import UnitOfWork

from .conftest import LINK, Desk, DeskFactory

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


async def mailed_link(desk: Desk, count: int) -> str:
    customer = await desk.customer()
    await customer.ask("I forgot my password and can't log in", count=2)
    await customer.ask("carol@example.com")
    bodies = await desk.mail.wait_for("carol@example.com", count=count)
    link = LINK.search(bodies[count - 1])
    assert link is not None, bodies[count - 1]
    return link.group(0).replace(str(desk.fd.settings.base_url), "")


def form(password: str) -> dict[str, str]:
    return {"password": password, "confirm": password}


async def test_a_newer_link_revokes_the_earlier_ones_and_using_it_revokes_the_rest(
    make_desk: DeskFactory, database_url: str
) -> None:
    desk = await make_desk(database_url)
    await desk.add_account("carol@example.com", "Carol")
    first = await mailed_link(desk, 1)
    assert (await desk.client.get(first)).status == 200
    second = await mailed_link(desk, 2)
    assert (await desk.client.get(first)).status == 410, "a newer link revokes the earlier one"
    refused = await desk.client.post(first, data=form("0ld-Link-Passw0rd!"))
    assert refused.status == 410
    assert (await desk.client.post(second, data=form("N3w-Secret-Passw0rd!"))).status == 200
    for used_or_revoked in (first, second):
        assert (await desk.client.get(used_or_revoked)).status == 410
        # a dead link is refused before the form is even read (no password check, no hashing)
        assert (await desk.client.post(used_or_revoked, data=form("short"))).status == 410
    account = await desk.account("carol@example.com")
    stored = await desk.fd.store.read(lambda uow: uow.accounts.password_hash(account.id))
    assert stored and verify_password(stored, "N3w-Secret-Passw0rd!")


async def test_concurrent_submissions_of_one_link_set_the_password_exactly_once(
    make_desk: DeskFactory, database_url: str
) -> None:
    desk = await make_desk(database_url)
    await desk.add_account("carol@example.com", "Carol")
    link = await mailed_link(desk, 1)
    passwords = [f"Parallel-Passw0rd-{i}!" for i in range(8)]
    answers = await asyncio.gather(*(desk.client.post(link, data=form(p)) for p in passwords))
    statuses = [a.status for a in answers]
    assert sorted(statuses) == [200] + [410] * 7, statuses
    for refused in (a for a in answers if a.status == 410):  # also those that lost the write
        said = await refused.text()
        assert "<title>Link expired</title>" in said and "expired or was already used" in said
    winner = passwords[statuses.index(200)]
    account = await desk.account("carol@example.com")
    stored = await desk.fd.store.read(lambda uow: uow.accounts.password_hash(account.id))
    assert stored and verify_password(stored, winner)
    assert all(not verify_password(stored, p) for p in passwords if p != winner)


async def test_a_reset_link_is_used_once_before_it_expires_and_uses_only_itself(
    database_url: str,
) -> None:
    """``use_reset_token``'s own guards (``store/fulfilment.py``), below the reset page's: the
    link's own row only (another account's link stays usable), not at or after its expiry,
    not twice; and the link as read back."""
    await upgrade(database_url)
    async with Store(database_url) as store:
        await check_the_guards(store)


async def check_the_guards(store: Store) -> None:
    expires = NOW + timedelta(minutes=30)

    async def two_links(uow: UnitOfWork) -> None:
        for email, token in (("ann@example.com", "hash-ann"), ("bob@example.com", "hash-bob")):
            account = await uow.accounts.add(email, email[:3], NOW)
            await uow.fulfilment.add_reset_token(token, str(account.id), NOW, expires, None, None)

    await store.write(two_links)

    async def use(token: str, at: datetime) -> bool:
        return await store.write(lambda uow: uow.fulfilment.use_reset_token(token, at))

    ann = await store.read(lambda uow: uow.fulfilment.reset_token("hash-ann"))
    assert ann is not None and ann.token_hash == "hash-ann" and ann.expires_at == expires
    assert ann.usable(expires - timedelta(seconds=1)) and not ann.usable(expires)
    assert not await use("hash-ann", expires)  # expired at its expiry
    assert not await use("hash-nobody", NOW)
    assert await use("hash-ann", expires - timedelta(seconds=1))
    assert not await use("hash-ann", NOW)  # once only
    bob = await store.read(lambda uow: uow.fulfilment.reset_token("hash-bob"))
    assert bob is not None and bob.used_at is None  # another account's link is untouched
    assert await use("hash-bob", NOW)
