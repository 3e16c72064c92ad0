"""The console's server-rendered pages: login, queue, ticket page, live events; customer
text is always escaped."""

from __future__ import annotations

import asyncio
import json
import re

from .conftest import PASSWORD, LiveDesk

XSS = "<img src=x onerror=alert(1)>"


async def test_pages_need_a_login_and_the_form_logs_in(desk: LiveDesk) -> None:
    await desk.agent("ann@example.com")
    browser = desk.http()
    async with browser.get(desk.url("/console/queue"), allow_redirects=False) as r:
        assert r.status == 302 and r.headers["Location"].startswith("/console/login")
    forged = desk.http()  # another site posting the form: no token of ours
    async with forged.post(
        desk.url("/console/login"), data={"email": "ann@example.com", "password": PASSWORD}
    ) as r:
        assert r.status == 403 and "login form expired" in await r.text()
        assert "frontdesk_session" not in r.cookies

    async def form_token() -> str:
        async with browser.get(desk.url("/console/login")) as r:
            return re.search(r'name="login_csrf" value="([^"]+)"', await r.text()).group(1)  # type: ignore[union-attr]

    async with browser.post(
        desk.url("/console/login"),
        data={
            "email": "ann@example.com",
            "password": "nope nope",
            "login_csrf": await form_token(),
        },
    ) as r:
        assert r.status == 401 and "wrong email or password" in await r.text()
    async with browser.post(
        desk.url("/console/login?next=https://evil.example/"),
        data={"email": "ann@example.com", "password": PASSWORD, "login_csrf": await form_token()},
        allow_redirects=False,
    ) as r:
        assert r.status == 302 and r.headers["Location"] == "/console/queue"
        assert "HttpOnly" in r.headers["Set-Cookie"]
    async with browser.get(desk.url("/console/queue")) as r:
        page = await r.text()
    assert r.status == 200 and 'name="csrf-token"' in page and "Queue" in page
    async with browser.post(desk.url("/console/logout"), allow_redirects=False) as r:
        assert r.status == 403  # no CSRF token


async def test_customer_text_is_rendered_as_text(desk: LiveDesk) -> None:
    customer = await desk.customer()
    tid = await customer.opens_ticket(f"My invoice page shows {XSS} instead of the total")
    ann = await desk.agent("ann@example.com")
    for path in ("/console/queue", f"/console/tickets/{tid}"):
        async with ann.http.get(desk.url(path)) as r:
            page = await r.text()
        assert XSS not in page
        assert "&lt;img src=x onerror=alert(1)&gt;" in page
    async with ann.http.get(desk.url("/console/tickets/FD-9999")) as r:
        assert r.status == 404


async def test_a_live_fragment_and_an_event_stream_follow_changes(desk: LiveDesk) -> None:
    ann = await desk.agent("ann@example.com")
    async with ann.http.get(
        desk.url("/console/events"), timeout=__import__("aiohttp").ClientTimeout(total=10)
    ) as stream:
        assert stream.headers["Content-Type"].startswith("text/event-stream")
        customer = await desk.customer()
        tid = await customer.opens_ticket("The app crashes on start.")

        async def next_event() -> dict[str, list[str]]:
            async for line in stream.content:
                if line.startswith(b"data: "):
                    return dict(json.loads(line[6:]))
            raise AssertionError("stream ended")

        seen: list[str] = []
        while tid not in seen:
            seen += (await asyncio.wait_for(next_event(), 5))["tickets"]
    async with ann.http.get(desk.url("/console/queue"), headers={"X-Fragment": "1"}) as r:
        fragment = await r.text()
    assert tid in fragment and "<html" not in fragment


async def test_the_json_login_refuses_what_a_cross_site_form_can_send(desk: LiveDesk) -> None:
    await desk.agent("ann@example.com")
    forged = desk.http()
    body = '{"email": "ann@example.com", "password": "' + PASSWORD + '", "x": "="}'
    async with forged.post(
        desk.url("/api/agent/login"), data=body, headers={"Content-Type": "text/plain"}
    ) as r:
        assert r.status == 400
        assert "frontdesk_session" not in r.cookies


async def test_console_errors_are_the_console_s_pages_and_its_api_still_answers_json(
    desk: LiveDesk,
) -> None:
    """One place (``handoff/error_pages.py``) turns the error tree into console pages: the
    status the JSON API gives the same error, the layout, and a way on."""
    ann = await desk.agent("ann@example.com")
    async with ann.http.get(desk.url("/console/tickets/FD-9999")) as r:
        page = await r.text()
        assert r.status == 404 and r.content_type == "text/html"
        assert "Not found" in page and 'class="topbar"' in page
        assert 'href="/console/queue">Back to the queue' in page
    async with ann.http.get(desk.url("/api/agent/tickets/FD-9999")) as r:
        assert r.status == 404 and "error" in await r.json()
    async with ann.http.get(desk.url("/console/reports")) as r:
        page = await r.text()
        assert r.status == 403 and r.content_type == "text/html" and "Not allowed" in page
    stranger = desk.http()
    async with stranger.get(desk.url("/console/reports?since=2026-01-01")) as r:
        page = await r.text()
        assert r.status == 401 and "Sign in first" in page
        assert "/console/login?next=%2Fconsole%2Freports%3Fsince%3D2026-01-01" in page
