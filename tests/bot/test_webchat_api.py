"""The web-chat JSON API: what the widget relies on, and every way a request can be wrong."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from classifier.base import Classifier

from .chat import ChatCustomer, serving, settings_for


@pytest.fixture
async def client(sqlite_url: str, tmp_path: Path, trained_classifier: Classifier):
    async with serving(settings_for(sqlite_url, tmp_path, chat_burst=3), trained_classifier) as c:
        yield c


async def test_the_widget_page_and_the_openapi_document_are_served(client) -> None:
    page = await client.get("/")
    assert page.status == 200 and "Support chat" in await page.text()
    script = await client.get("/static/webchat.js")
    assert script.status == 200 and "textContent" in await script.text()
    french = await client.get("/", headers={"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5"})
    words = await french.text()
    assert '<html lang="fr">' in words and "Besoin d&#x27;aide ?" in words
    assert 'placeholder="Décrivez votre problème ou votre demande…"' in words
    assert "&quot;online&quot;: &quot;en ligne&quot;" in words  # the script's words, escaped
    assert "{{" not in words and "Need help?" not in words
    spec = await (await client.get("/api/openapi.json")).json()
    assert spec["openapi"].startswith("3.")
    assert {"/api/chat/sessions", "/api/chat/sessions/{session_id}/messages"} <= set(spec["paths"])


async def test_health_reports_the_database_and_channels(client) -> None:
    response = await client.get("/healthz")
    assert response.status == 200
    assert await response.json() == {"status": "ok", "channels": {"web": "up"}}


@pytest.mark.parametrize(
    ("body", "why"),
    [
        (b'{"text": "' + b"x" * 4001 + b'"}', "longer than 4,000"),
        (b'{"text": "   "}', "empty"),
        (b"{oops", "not valid JSON"),
        (b"[1, 2]", "JSON object"),
        (b'{"hello": "there"}', '"text"'),
        (b'{"text": 42}', "must be a string"),
        (b'{"payload": ""}', "non-empty"),
    ],
)
async def test_bad_messages_get_a_400_that_says_why(client, body: bytes, why: str) -> None:
    customer = await ChatCustomer(client).open()
    response = await client.post(
        f"/api/chat/sessions/{customer.session_id}/messages",
        data=body,
        headers={**customer.auth, "Content-Type": "application/json"},
    )
    assert response.status == 400
    assert why in (await response.json())["error"]
    assert (await client.get("/healthz")).status == 200


async def test_tokens_and_sessions_are_checked(client) -> None:
    alice = await ChatCustomer(client).open()
    bob = await ChatCustomer(client).open()
    url = f"/api/chat/sessions/{alice.session_id}/messages"
    no_token = await client.post(url, json={"text": "hi"})
    wrong = await client.post(url, json={"text": "hi"}, headers=bob.auth)
    unknown = await client.post(
        "/api/chat/sessions/nope/messages", json={"text": "hi"}, headers=alice.auth
    )
    reading = await client.get(url, headers=bob.auth)
    assert (no_token.status, wrong.status, unknown.status, reading.status) == (401, 401, 404, 401)
    assert "token" in (await wrong.json())["error"]


async def test_bad_query_parameters_are_refused(client) -> None:
    customer = await ChatCustomer(client).open()
    url = f"/api/chat/sessions/{customer.session_id}/messages"
    for params in ({"wait": "31"}, {"wait": "soon"}, {"after": "-1"}):
        response = await client.get(url, params=params, headers=customer.auth)
        assert response.status == 400, params


async def test_a_customer_sending_too_fast_is_told_when_to_retry(client) -> None:
    customer = await ChatCustomer(client).open()
    url = f"/api/chat/sessions/{customer.session_id}/messages"
    statuses = []
    for i in range(5):
        response = await client.post(url, json={"text": f"message {i}"}, headers=customer.auth)
        statuses.append(response.status)
    assert statuses[:3] == [202, 202, 202]
    assert 429 in statuses[3:]
    limited = await client.post(url, json={"text": "again"}, headers=customer.auth)
    assert limited.status == 429 and int(limited.headers["Retry-After"]) >= 1
    other = await ChatCustomer(client).open()  # others are not affected
    await other.say("hello")


async def test_long_polling_returns_as_soon_as_the_reply_exists(client) -> None:
    customer = await ChatCustomer(client).open()
    assert await customer.poll(wait=0) == []
    loop = asyncio.get_running_loop()
    waiting = asyncio.create_task(customer.poll(wait=20))
    await asyncio.sleep(0.2)
    started = loop.time()
    await customer.say("The app crashes when I upload a photo")
    new = await waiting
    assert new and new[0]["sender"] == "customer"
    assert loop.time() - started < 5  # woken by the commit, not by the 20 s timeout
    reply = await customer.expect(lambda m: m["sender"] == "bot")
    assert set(reply) == {
        "seq",
        "sender",
        "text",
        "buttons",
        "attachments",
        "created_at",
        "agent_name",
        "payload",
    }


async def test_a_retried_send_with_the_same_client_id_is_stored_once(client) -> None:
    customer = await ChatCustomer(client).open()
    url = f"/api/chat/sessions/{customer.session_id}/messages"
    body = {"text": "My invoices are wrong", "client_message_id": "c-1"}
    first = await client.post(url, json=body, headers=customer.auth)
    second = await client.post(url, json=body, headers=customer.auth)
    assert (first.status, second.status) == (202, 202)
    await customer.expect_reply()
    assert customer.texts("customer") == ["My invoices are wrong"]


async def test_the_websocket_pushes_the_same_messages(client) -> None:
    customer = await ChatCustomer(client).open()
    url = f"/api/chat/sessions/{customer.session_id}/ws"
    offered = ("frontdesk.chat", f"bearer.{customer.token}")  # what the browser can send
    async with client.ws_connect(url, protocols=offered) as ws:
        assert ws.protocol == "frontdesk.chat"
        await ws.send_json({"text": "Payments fail at checkout for every customer"})
        first = await asyncio.wait_for(ws.receive_json(), 10)
        second = await asyncio.wait_for(ws.receive_json(), 10)
    assert first["sender"] == "customer"
    assert second["sender"] == "bot" and "FD-" in second["text"]
    denied = await client.get(
        f"/api/chat/sessions/{customer.session_id}/ws",
        headers={"Sec-WebSocket-Protocol": "frontdesk.chat, bearer.wrong"},
    )
    assert denied.status == 401


async def test_the_token_is_never_taken_from_the_query_string(client) -> None:
    """Query strings end up in access logs and proxies: the token goes in a header."""
    customer = await ChatCustomer(client).open()
    base = f"/api/chat/sessions/{customer.session_id}"
    posted = await client.post(f"{base}/messages?token={customer.token}", json={"text": "hi"})
    read = await client.get(f"{base}/messages?token={customer.token}")
    socket = await client.get(f"{base}/ws?token={customer.token}")
    assert (posted.status, read.status, socket.status) == (401, 401, 401)
    assert "Authorization" in (await read.json())["error"]
