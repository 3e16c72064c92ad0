"""Login attempts are counted before the password is checked, per account and per client
address, in the database (issue #15, "Why" 5): parallel guesses cannot race past the count,
two processes share it, spraying many accounts from one address is limited too, and the
admins are told of a locked account."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

from .conftest import PASSWORD, LiveDesk


async def attempt(desk: LiveDesk, email: str, password: str) -> int:
    async with desk.http().post(
        desk.url("/api/agent/login"), json={"email": email, "password": password}
    ) as response:
        return response.status


async def test_sixty_parallel_wrong_logins_get_exactly_five_password_checks(
    make_desk: Any, database_url: str
) -> None:
    first = await make_desk(database_url)
    second = await make_desk(database_url)  # another process on the same database
    root = await first.agent("root@example.com", role="admin")
    await first.agent("ann@example.com")
    guesses = [
        attempt(desk, "ann@example.com", f"guess number {i}")
        for i in range(30)
        for desk in (first, second)
    ]
    statuses = Counter(await asyncio.gather(*guesses))
    assert statuses == {401: 5, 429: 55}, statuses
    assert await attempt(first, "ann@example.com", PASSWORD) == 429, "locked, even when right"
    notes = (await root.ok("GET", "/api/agent/notifications"))["notifications"]
    locked = [n for n in notes if n["kind"] == "login_locked"]
    assert len(locked) == 1 and "ann@example.com" in locked[0]["text"]
    async with root.http.get(first.url("/console/queue")) as page:  # what the admin sees
        assert "Logins to ann@example.com are locked" in await page.text()


async def test_spraying_many_accounts_from_one_address_is_limited_too(desk: LiveDesk) -> None:
    statuses = [await attempt(desk, f"user{i}@example.com", "Summer2026!") for i in range(31)]
    assert statuses == [401] * 30 + [429]
    status = await attempt(desk, "user0@example.com", "Summer2026!")
    assert status == 429, "the address is held, whatever account it tries next"
    notes = await desk.fd.store.read(lambda uow: uow.notifications.unread(1))
    assert notes == [], "no notice for made-up accounts"


async def test_a_right_login_starts_the_count_anew_and_zero_turns_the_limits_off(
    make_desk: Any, database_url: str
) -> None:
    desk = await make_desk(database_url)
    ann = await desk.agent("ann@example.com")
    for _ in range(3):
        for _ in range(4):
            assert await attempt(desk, ann.email, "wrong password!") == 401
        assert (await ann.login())[0] == 200
    unlimited = await make_desk(database_url, login_attempts_per_account=0, login_attempts_per_ip=0)
    for _ in range(12):
        assert await attempt(unlimited, "max@example.com", "wrong password!") == 401
