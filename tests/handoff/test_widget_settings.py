"""The embeddable widget's server side (#14): an admin sets its look and the sites allowed to
embed it; only those sites get the frame (CSP frame-ancestors) and CORS answers; the optional
pre-chat email lands on the customer; an agent's typing reaches the customer's long poll."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from models import ValidationError
from models.widget import WidgetConfig, changed_config, parse_origin

from .conftest import LiveDesk
from .test_security_headers import csp_of

SHOP = "http://127.0.0.1:8123"
OTHER = "https://evil.example.net"


def test_origins_are_written_as_a_browser_sends_them() -> None:
    assert parse_origin(" HTTPS://Shop.Example.com/ ") == "https://shop.example.com"
    assert parse_origin("http://127.0.0.1:8123") == "http://127.0.0.1:8123"
    bad_origins = ["shop.example.com", "https://shop.example.com/help", "ftp://x.org"]
    bad_origins += ["https://a.org; script-src *", "https://user@a.org", "https://a.org:99999"]
    for bad in bad_origins:
        with pytest.raises(ValidationError):
            parse_origin(bad)
    config = changed_config(WidgetConfig(), {"allowed_origins": f"{SHOP}\n{SHOP}/\n"})
    assert config.allowed_origins == (SHOP,)
    for bad_body in ({"colour": "red"}, {"position": "top"}, {"title": ""}, {"size": 3}):
        with pytest.raises(ValidationError):
            changed_config(WidgetConfig(), bad_body)


async def test_an_admin_sets_the_look_and_only_allowed_sites_may_embed(
    make_desk: Callable[..., Any], sqlite_url: str
) -> None:
    desk: LiveDesk = await make_desk(sqlite_url)
    admin = await desk.agent("root@example.com", role="admin")
    agent = await desk.agent("ann@example.com")
    http = desk.http()

    async with http.get(desk.url("/widget")) as r:  # before: this site only
        assert csp_of(r.headers)["frame-ancestors"] == "'self'"
    status, _ = await agent.call("PUT", "/api/agent/widget", {"colour": "#00aa55"})
    assert status == 403
    status, body = await admin.call("PUT", "/api/agent/widget", {"allowed_origins": ["shop"]})
    assert status == 400 and "https://www.example.com" in body["error"]

    saved = await admin.ok(
        "PUT",
        "/api/agent/widget",
        {"colour": "#00AA55", "greeting": "Hello from Acme!", "position": "left",
         "allowed_origins": f"{SHOP}\n", "ask_email": True},
    )  # fmt: skip
    assert saved["widget"]["allowed_origins"] == [SHOP]
    assert (await admin.ok("GET", "/api/agent/widget"))["widget"]["colour"] == "#00aa55"

    async with http.get(desk.url("/api/widget/config"), headers={"Origin": SHOP}) as r:
        look = await r.json()
        assert r.headers["Access-Control-Allow-Origin"] == SHOP
        assert "Origin" in r.headers.getall("Vary")
    assert look == {"colour": "#00aa55", "title": "Support", "greeting": "Hello from Acme!",
                    "position": "left", "ask_email": True}  # fmt: skip
    async with http.get(desk.url("/api/widget/config"), headers={"Origin": OTHER}) as r:
        assert "Access-Control-Allow-Origin" not in r.headers  # the browser hides the answer

    async with http.get(desk.url("/widget")) as r:
        assert csp_of(r.headers)["frame-ancestors"] == f"'self' {SHOP}"
        assert "X-Frame-Options" not in r.headers
    async with http.get(desk.url("/console/login")) as r:
        assert csp_of(r.headers)["frame-ancestors"] == "'none'"

    preflight = {"Origin": SHOP, "Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "authorization, content-type"}  # fmt: skip
    async with http.options(desk.url("/api/chat/sessions"), headers=preflight) as r:
        assert r.status == 204 and r.headers["Access-Control-Allow-Origin"] == SHOP
        assert "Authorization" in r.headers["Access-Control-Allow-Headers"]
    async with http.options(
        desk.url("/api/chat/sessions"), headers={**preflight, "Origin": OTHER}
    ) as r:
        assert r.status == 403 and "Access-Control-Allow-Origin" not in r.headers
        assert "Allowed sites" in (await r.json())["error"]
    async with http.post(desk.url("/api/chat/sessions"), headers={"Origin": SHOP}) as r:
        assert r.status == 201 and r.headers["Access-Control-Allow-Origin"] == SHOP


async def test_the_pre_chat_email_is_kept_on_the_customer(desk: LiveDesk) -> None:
    agent = await desk.agent("ann@example.com")
    http = desk.http()
    async with http.post(desk.url("/api/chat/sessions"), json={"email": "not an address"}) as r:
        assert r.status == 400 and "email" in (await r.json())["error"]
    async with http.post(
        desk.url("/api/chat/sessions"), json={"email": "ravi@example.com", "language": "en"}
    ) as r:
        assert r.status == 201
        body = await r.json()
    from .conftest import Customer

    ravi = Customer(desk, http, body["session_id"], body["token"])
    tid = await ravi.opens_ticket("I was charged twice for my subscription this month")
    ticket = await agent.ticket(tid)
    assert ticket["customer"]["email"] == "ravi@example.com"


async def test_the_customer_sees_the_agent_typing_then_the_named_reply(desk: LiveDesk) -> None:
    ann = await desk.agent("ann@example.com")
    ravi = await desk.customer()
    tid = await ravi.opens_ticket("The desktop app crashes when I export a PDF, please help")
    await ann.ok("POST", f"/api/agent/tickets/{tid}/claim")
    await ravi.poll()  # read everything so far

    headers = {"Authorization": f"Bearer {ravi.token}"}

    async def long_poll() -> dict[str, Any]:
        url = desk.url(f"{ravi.path}?after={ravi.seen}&wait=20")
        async with ravi.http.get(url, headers=headers) as r:
            return dict(await r.json())

    waiting = asyncio.create_task(long_poll())
    await asyncio.sleep(0.3)  # parked on the server
    assert not waiting.done()
    await ann.ok("POST", f"/api/agent/tickets/{tid}/typing")
    answered = await asyncio.wait_for(waiting, 10)  # woken by the typing, not the 20 s
    assert answered == {"messages": [], "typing": "ann"}

    await ann.ok("POST", f"/api/agent/tickets/{tid}/messages", {"text": "Ann here, on it."})
    reply = await ravi.wait_for(lambda m: m["text"] == "Ann here, on it.")
    assert reply["agent_name"] == "ann" and reply["sender"] == "agent"
    async with ravi.http.get(desk.url(f"{ravi.path}?after={ravi.seen}"), headers=headers) as r:
        assert (await r.json())["typing"] is None  # the reply ended the typing
