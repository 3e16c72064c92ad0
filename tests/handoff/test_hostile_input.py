"""An attacker's inputs at every door get a 4xx that says why, and the desk keeps serving.

Each case here was a 500 before (issue 15, finding 6): a RecursionError from deep JSON, an
integer no column holds, a NUL or a lone surrogate that PostgreSQL or the driver refuses, a date
``datetime`` cannot subtract a period from. Both databases run these.
"""

from __future__ import annotations

from typing import Any

import aiohttp

from .conftest import Agent, LiveDesk

DEEP = b"[" * 50_000
HUGE = 2**63


async def raw(
    http: aiohttp.ClientSession,
    desk: LiveDesk,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, Any]:
    sent = {"Content-Type": "application/json", **(headers or {})}
    async with http.request(method, desk.url(path), data=body, headers=sent) as r:
        data = await r.json() if r.content_type == "application/json" else await r.text()
        return r.status, data


def refused(outcome: tuple[int, Any]) -> bool:
    status, body = outcome
    return 400 <= status < 500 and isinstance(body, dict) and bool(body.get("error"))


async def test_hostile_logins_are_refused_with_a_reason(desk: LiveDesk) -> None:
    await desk.agent("ana@example.com")
    http = desk.http()
    bodies = [
        DEEP,
        b'{"email": ' + b"9" * 5000 + b', "password": "x"}',
        b'{"email": "ana@example.com\\u0000", "password": "x"}',
        b'{"email": "\\ud800@example.com", "password": "x"}',
        b'{"email": "ana@example.com", "password": NaN}',
    ]
    for body in bodies:
        outcome = await raw(http, desk, "POST", "/api/agent/login", body)
        assert refused(outcome), (body[:50], outcome)
    async with http.get(desk.url("/healthz")) as r:
        assert r.status == 200


async def test_hostile_chat_messages_are_refused_and_lose_nothing(desk: LiveDesk) -> None:
    customer = await desk.customer()
    auth = {"Authorization": f"Bearer {customer.token}"}
    bodies = [
        DEEP,
        b'{"text": "\\ud800"}',
        b'{"text": "hello\\u0000"}',
        b'{"text": "hello", "client_message_id": "a\\u0000"}',
        b'{"payload": "\\udfff"}',
    ]
    for body in bodies:
        outcome = await raw(customer.http, desk, "POST", customer.path, body, auth)
        assert refused(outcome), (body[:50], outcome)
    for path in (
        "/api/chat/sessions/%00/messages",
        f"/api/chat/sessions/{customer.session_id}%00/messages",
    ):
        outcome = await raw(customer.http, desk, "GET", path, None, auth)
        assert refused(outcome), (path, outcome)
    await customer.say("hello, is anyone there?")
    reply = await customer.wait_for(lambda m: m["sender"] != "customer")
    assert reply["text"]


async def test_hostile_agent_requests_are_refused(desk: LiveDesk) -> None:
    customer = await desk.customer()
    ticket = await customer.opens_ticket("I was charged twice, please talk to a human")
    boss = await desk.agent("boss@example.com", role="admin")
    headers = {"X-CSRF-Token": boss.csrf}
    for method, path, body in [
        ("POST", f"/api/agent/tickets/{ticket}/messages", DEEP),
        ("POST", f"/api/agent/tickets/{ticket}/messages", b'{"text": "hi\\u0000"}'),
        ("POST", f"/api/agent/tickets/{ticket}/messages", b'{"text": "\\ud800"}'),
        ("PATCH", f"/api/agent/tickets/{ticket}", b'{"assignee": %d}' % HUGE),
        ("PATCH", f"/api/agent/tickets/{ticket}", b'{"assignee": "%d"}' % HUGE),
        ("PATCH", f"/api/agent/tickets/{ticket}", '{"assignee": "²"}'.encode()),
        ("POST", "/api/agent/notifications/read", b'{"ids": [%d]}' % HUGE),
        ("POST", "/api/agent/notifications/read", b'{"ids": [-%d]}' % (HUGE + 1)),
        (
            "POST",
            "/api/agent/agents",
            b'{"email": "x@example.com", "name": "X", "password": "pw-long-enough",'
            b' "capacity": %d}' % HUGE,
        ),
    ]:
        outcome = await raw(boss.http, desk, method, path, body, headers)
        assert refused(outcome), (method, path, body[:60], outcome)
    for query in (f"assignee={HUGE}", "assignee=%C2%B2", "team=a%00b"):
        outcome = await raw(boss.http, desk, "GET", f"/api/agent/tickets?{query}")
        assert refused(outcome), (query, outcome)
    details = await boss.ticket(ticket)
    assert details["assignee"] is None and not any(m["text"] == "hi" for m in details["messages"])


async def test_reports_over_any_dates_answer(desk: LiveDesk) -> None:
    manager: Agent = await desk.agent("meg@example.com", role="manager")
    for query in ("since=0001-01-01", "until=9999-12-31", "since=0001-01-01&until=9999-12-31"):
        for path in ("/console/reports", "/console/reports/export.csv"):
            async with manager.http.get(desk.url(f"{path}?{query}")) as r:
                assert r.status == 200, (path, query, r.status, await r.text())
    async with manager.http.get(desk.url("/console/reports?since=0001-01-01T00:00%2B01:00")) as r:
        assert r.status == 400


async def test_console_forms_with_nul_are_refused(desk: LiveDesk) -> None:
    http = desk.http()
    form = {"email": "ana@example.com\x00", "password": "x"}
    async with http.post(desk.url("/console/login"), data=form) as r:
        assert r.status == 400
        assert "NUL" in (await r.json())["error"]
