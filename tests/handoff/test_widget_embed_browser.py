"""The embeddable widget on another company's site, in a real browser (Chromium).

The host page is served from a different origin (another 127.0.0.1 port) than the front desk
and holds only the one ``<script>`` tag. The customer opens the launcher, chats, sees the
agent typing and the agent's named reply, gets an unread badge while the panel is closed, and
keeps the conversation across a reload; a site the admin did not allow gets no launcher.

Screenshots at 1280 and 320 px go to FRONTDESK_SCREENSHOTS (docs/screenshots), else tmp_path.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from . import test_console_browser
from .conftest import LiveDesk
from .test_console_browser import SCREENSHOTS_ENV

pytestmark = pytest.mark.browser
browser = test_console_browser.browser  # the same Chromium fixture

HOST_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Acme Store</title></head>
<body><h1>Acme Store</h1><p>Garden tools since 1962.</p>
<script src="{desk}/widget.js" defer></script>
</body></html>"""


async def test_a_customer_chats_through_the_widget_on_another_site(
    make_desk: Any, browser: Any, sqlite_url: str, tmp_path: Path
) -> None:
    from playwright.async_api import expect

    desk: LiveDesk = await make_desk(sqlite_url)
    site = await _host_site(desk)
    origin = str(site.make_url("/")).rstrip("/")
    assert origin != desk.url("/").rstrip("/")  # another port: another origin
    admin = await desk.agent("root@example.com", role="admin", teams=("web-team",))
    await admin.ok(
        "PUT",
        "/api/agent/widget",
        {
            "allowed_origins": [origin],
            "colour": "#0a7755",
            "greeting": "Hi! Ask us anything.",
            "ask_email": True,
        },
    )
    ann = await desk.agent("ann@example.com")
    shots = Path(os.environ.get(SCREENSHOTS_ENV) or tmp_path)

    page = await (await browser.new_context(viewport={"width": 1280, "height": 800})).new_page()
    await page.goto(origin + "/")
    launcher = page.locator("#frontdesk-launcher")
    await expect(launcher).to_be_visible(timeout=10_000)
    await expect(launcher).to_have_attribute("aria-expanded", "false")
    await launcher.click()
    await expect(page.locator("#frontdesk-panel")).to_be_visible()
    chat = page.frame_locator("#frontdesk-panel iframe")
    await expect(chat.locator("#greeting")).to_have_text("Hi! Ask us anything.")
    await chat.locator("#email").fill("ravi@example.com")  # the optional pre-chat field
    await chat.locator("#text").fill("The desktop app crashes every time I export a PDF.")
    await chat.locator("#send").click()
    ticket_line = chat.locator("#log li.bot", has_text=re.compile(r"FD-\d+"))
    await expect(ticket_line.first).to_be_visible(timeout=15_000)
    tid = re.search(r"FD-\d+", await ticket_line.first.inner_text()).group(0)  # type: ignore[union-attr]
    await expect(chat.locator("#prechat")).to_be_hidden()
    assert (await ann.ticket(tid))["customer"]["email"] == "ravi@example.com"

    await ann.ok("POST", f"/api/agent/tickets/{tid}/claim")
    await ann.ok("POST", f"/api/agent/tickets/{tid}/typing")
    await expect(chat.locator("#typing")).to_have_text("ann is typing…", timeout=10_000)

    await launcher.click()  # closed: the reply comes while nobody looks
    await expect(page.locator("#frontdesk-panel")).to_be_hidden()
    reply_text = {"text": "Ann here: it ships today."}
    await ann.ok("POST", f"/api/agent/tickets/{tid}/messages", reply_text)
    badge = page.locator("#frontdesk-launcher .frontdesk-badge")
    await expect(badge).to_have_text("1", timeout=10_000)
    await expect(launcher).to_have_attribute("aria-label", re.compile(r"1 unread"))

    await launcher.click()
    await expect(badge).to_be_hidden()
    reply = chat.locator("#log li.agent", has_text="it ships today")
    await expect(reply).to_be_visible()
    await expect(reply.locator("small")).to_contain_text("ann")
    await expect(chat.locator("#typing")).to_be_hidden()
    await page.screenshot(path=str(shots / "widget-1280.png"))

    await page.reload()  # the conversation is kept across page loads, the panel stays open
    await expect(page.locator("#frontdesk-panel")).to_be_visible(timeout=10_000)
    chat = page.frame_locator("#frontdesk-panel iframe")
    await expect(chat.locator("#log li.agent", has_text="it ships today")).to_be_visible(
        timeout=10_000
    )

    phone = await (await browser.new_context(viewport={"width": 320, "height": 568})).new_page()
    await phone.goto(origin + "/")
    await phone.locator("#frontdesk-launcher").click()
    panel = await phone.locator("#frontdesk-panel").bounding_box()
    assert panel is not None and panel["width"] == 320 and panel["height"] == 568  # full screen
    small = phone.frame_locator("#frontdesk-panel iframe")
    await small.locator("#text").fill("Is the shop open on Sunday?")
    await expect(small.locator("#send")).to_be_in_viewport()
    await phone.screenshot(path=str(shots / "widget-320.png"))
    await small.locator("#close").click()
    await expect(phone.locator("#frontdesk-launcher")).to_be_visible()
    await site.close()


async def test_a_site_that_is_not_allowed_gets_no_launcher(
    make_desk: Any, browser: Any, sqlite_url: str
) -> None:
    from playwright.async_api import expect

    desk: LiveDesk = await make_desk(sqlite_url)
    site = await _host_site(desk)
    port = site.make_url("/").port
    admin = await desk.agent("root@example.com", role="admin")
    await admin.ok("PUT", "/api/agent/widget", {"allowed_origins": [f"http://127.0.0.1:{port}"]})
    page = await (await browser.new_context()).new_page()
    warnings: list[str] = []
    page.on("console", lambda m: warnings.append(m.text))
    await page.goto(f"http://localhost:{port}/")  # same server, another origin
    await expect(page.locator("h1")).to_have_text("Acme Store")
    await page.wait_for_function("() => document.readyState === 'complete'")
    await expect(page.locator("#frontdesk-launcher")).to_have_count(0)
    await page.wait_for_timeout(500)
    await expect(page.locator("#frontdesk-launcher")).to_have_count(0)
    assert any("does not allow this site" in w for w in warnings), warnings
    await site.close()


async def _host_site(desk: LiveDesk) -> TestServer:
    page = HOST_PAGE.format(desk=desk.url("/").rstrip("/"))

    async def index(request: web.Request) -> web.Response:
        return web.Response(text=page, content_type="text/html")

    app = web.Application()
    app.router.add_get("/", index)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    return server
