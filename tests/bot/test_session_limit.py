"""New web-chat sessions are limited per client address (issue #15, "Why" 3): one session per
message no longer bypasses the per-session rate; the address is the peer's, or behind a
trusted proxy the one it forwards; 0 turns the limit off."""

from __future__ import annotations

from pathlib import Path

from bot.http_client import client_address, parse_proxies
from classifier.base import Classifier
from tests.bot.chat import serving, settings_for


async def test_one_address_opens_at_most_the_limit_of_sessions_a_minute(
    database_url: str, tmp_path: Path, trained_classifier: Classifier
) -> None:
    settings = settings_for(database_url, tmp_path, sessions_per_ip_per_min=5)
    async with serving(settings, trained_classifier) as client:
        statuses = [(await client.post("/api/chat/sessions")).status for _ in range(6)]
        assert statuses == [201] * 5 + [429]
        refused = await client.post("/api/chat/sessions")
        assert refused.status == 429 and 1 <= int(refused.headers["Retry-After"]) <= 60
        assert "too many new chats" in (await refused.json())["error"]
        forged = await client.post("/api/chat/sessions", headers={"X-Forwarded-For": "1.2.3.4"})
        assert forged.status == 429, "X-Forwarded-For from an untrusted peer is ignored"


async def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_limit(
    database_url: str, tmp_path: Path, trained_classifier: Classifier
) -> None:
    settings = settings_for(
        database_url, tmp_path, sessions_per_ip_per_min=2, trusted_proxies="127.0.0.1,::1"
    )
    async with serving(settings, trained_classifier) as client:

        async def open_as(address: str) -> int:
            headers = {"X-Forwarded-For": f"{address}, 127.0.0.1"}
            return (await client.post("/api/chat/sessions", headers=headers)).status

        assert [await open_as("203.0.113.7") for _ in range(3)] == [201, 201, 429]
        assert [await open_as("198.51.100.2") for _ in range(2)] == [201, 201]


async def test_zero_turns_the_session_limit_off(
    sqlite_url: str, tmp_path: Path, trained_classifier: Classifier
) -> None:
    settings = settings_for(sqlite_url, tmp_path, sessions_per_ip_per_min=0)
    async with serving(settings, trained_classifier) as client:
        for _ in range(30):
            assert (await client.post("/api/chat/sessions")).status == 201


def test_the_client_is_the_rightmost_address_that_is_not_a_trusted_proxy() -> None:
    proxies = parse_proxies("10.0.0.0/8, 192.168.1.1")
    assert client_address("10.1.2.3", "6.6.6.6, 203.0.113.9, 10.0.0.5", proxies) == "203.0.113.9"
    assert client_address("203.0.113.9", "6.6.6.6", proxies) == "203.0.113.9"  # not a proxy
    assert client_address("192.168.1.1", "not-an-ip", proxies) == "192.168.1.1"
    assert client_address(None, None, proxies) == "unknown"


async def test_one_address_opens_at_most_the_limit_of_tickets_an_hour(
    database_url: str, tmp_path: Path, trained_classifier: Classifier
) -> None:
    from models import TicketFilter
    from tests.bot.chat import ChatCustomer, frontdesk_of

    settings = settings_for(database_url, tmp_path, tickets_per_ip_per_hour=2)
    async with serving(settings, trained_classifier) as client:
        for problem in ("The app crashes on start", "Checkout fails for all customers"):
            customer = await ChatCustomer(client).open()
            await customer.say(problem)
            assert "FD-" in (await customer.expect_reply())["text"]
        flooder = await ChatCustomer(client).open()
        await flooder.say("The invoice PDF is empty")
        refused = (await flooder.expect_reply())["text"]
        assert "can't open another one just now" in refused
        fd = frontdesk_of(client)
        tickets = await fd.store.read(lambda uow: uow.tickets.list(TicketFilter()))
        assert len(tickets) == 2
        assert flooder.texts("customer") == ["The invoice PDF is empty"], "the message is kept"
