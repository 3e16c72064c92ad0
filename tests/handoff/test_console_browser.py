"""The console in a real browser (Playwright driving Debian's Chromium): an agent logs in,
sees the ticket in the queue, takes the conversation over and replies; the reply appears in
the customer's web chat open in a second browser context; customer HTML shows as text.

Screenshots of the queue and the ticket page go to the folder named by FRONTDESK_SCREENSHOTS
(`FRONTDESK_SCREENSHOTS=docs/screenshots make test` refreshes the README's pictures), else to
the test's tmp_path.
"""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from .conftest import PASSWORD, LiveDesk

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
HAVE_CHROMIUM = os.path.exists(CHROMIUM)  # checked once, at collection
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
XSS = "<img src=x onerror=alert(1)>"
# FRONTDESK_SCREENSHOTS=docs/screenshots refreshes the README's pictures; by default they go to
# a temporary folder, so a test run never dirties the checkout.
SCREENSHOTS_ENV = "FRONTDESK_SCREENSHOTS"


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    if not HAVE_CHROMIUM:
        message = f"{CHROMIUM} is missing (apt-get install chromium)"
        if os.environ.get("FRONTDESK_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield browser
        finally:
            await browser.close()


async def test_an_agent_takes_over_in_the_console_and_the_customer_sees_the_reply(
    make_desk: Any, browser: Any, sqlite_url: str, tmp_path: Path
) -> None:
    from playwright.async_api import expect

    desk: LiveDesk = await make_desk(sqlite_url)
    await desk.agent("ann@example.com")  # created (and logged in over the API; unused here)
    dialogs: list[str] = []

    chat = await (await browser.new_context()).new_page()
    chat.on("dialog", lambda d: dialogs.append(d.message))
    await chat.goto(desk.url("/"))
    await chat.fill("#text", f"The desktop app crashes when I export, it shows {XSS}")
    await chat.click("#send")
    ticket_line = chat.locator("#log li", has_text=re.compile(r"FD-\d+"))
    await expect(ticket_line.first).to_be_visible(timeout=15_000)
    tid = re.search(r"FD-\d+", await ticket_line.first.inner_text()).group(0)  # type: ignore[union-attr]

    console = await (await browser.new_context(viewport={"width": 1400, "height": 860})).new_page()
    console.on("dialog", lambda d: dialogs.append(d.message))
    await console.goto(desk.url("/console/"))
    await console.fill("input[name=email]", "ann@example.com")
    await console.fill("input[name=password]", PASSWORD)
    await console.click("button[type=submit]")
    row = console.locator("#queue tr.row", has_text=tid)
    await expect(row).to_be_visible()
    await expect(row.locator(".desc")).to_contain_text(XSS)  # literally, as text
    shots = Path(os.environ.get(SCREENSHOTS_ENV) or tmp_path)
    await console.screenshot(path=str(shots / "queue.png"))

    await row.locator("a.tid").click()
    await expect(console.locator("h1")).to_have_text(tid)
    await expect(console.locator("#transcript")).to_contain_text(XSS)
    assert await console.locator("#transcript img").count() == 0
    await console.keyboard.press("t")  # the shortcut for "Take over"
    await expect(console.locator(".pill.agent")).to_be_visible()

    await console.keyboard.press("r")
    await console.fill("#reply-text", "Hi, Ann here - a fix is on its way.")
    await console.keyboard.press("Control+Enter")
    await expect(chat.locator("#log li.agent")).to_contain_text("Ann here", timeout=10_000)

    await chat.fill("#text", "Great, thank you!")
    await chat.click("#send")
    await expect(console.locator("#transcript")).to_contain_text(
        "Great, thank you!", timeout=10_000
    )

    await console.keyboard.press("n")
    await console.fill("#reply-text", "Internal: same crash as last week's build.")
    await console.click("#send-reply")
    await expect(console.locator("#transcript .internal")).to_contain_text("last week")
    await console.screenshot(path=str(shots / "ticket.png"))
    await expect(chat.locator("#log")).not_to_contain_text("last week")
    assert dialogs == []  # no script from customer text ever ran


async def test_a_manager_reads_the_reports_page_with_the_same_numbers_as_the_report(
    make_desk: Any, browser: Any, sqlite_url: str, tmp_path: Path
) -> None:
    from datetime import UTC, datetime

    from playwright.async_api import expect

    from handoff.reports import build_report
    from models import parse_ticket_id
    from models.metrics import parse_period

    desk: LiveDesk = await make_desk(sqlite_url)
    ann = await desk.agent("ann@example.com")
    await desk.agent("max@example.com", role="manager")
    paying = await desk.customer()
    t1 = await paying.opens_ticket("Orders fail with a server error when customers pay")
    asking = await desk.customer()
    await asking.opens_ticket("Please add a CSV export to the customer list")
    await ann.ok("POST", f"/api/agent/tickets/{t1}/claim", {})
    await ann.ok("POST", f"/api/agent/tickets/{t1}/messages", {"text": "On it.", "internal": False})
    await ann.ok("POST", f"/api/agent/tickets/{t1}/resolve", {"resolution": "Fixed."})
    prompt = await paying.wait_for(lambda m: len(m.get("buttons") or []) == 5)
    await paying.say(payload=prompt["buttons"][3]["payload"])  # 4 of 5
    for _ in range(100):
        if await desk.fd.store.read(lambda uow: uow.csat.latest(parse_ticket_id(t1))):
            break
        await asyncio.sleep(0.05)
    now = datetime.now(UTC)
    expected = (
        await desk.fd.store.read(lambda uow: build_report(uow, parse_period(None, None, now), now))
    ).as_json()

    page = await (await browser.new_context(viewport={"width": 1300, "height": 900})).new_page()
    await page.goto(desk.url("/console/login?next=/console/reports"))
    await page.fill("input[name=email]", "max@example.com")
    await page.fill("input[name=password]", PASSWORD)
    await page.click("button[type=submit]")
    await page.goto(desk.url("/console/reports"))
    metrics = page.locator("#metrics")
    await expect(metrics).to_be_visible()

    async def shown(key: str) -> str:
        value = await metrics.locator(f'td[data-metric="{key}"]').first.get_attribute("data-value")
        return value or ""

    assert await shown("volume") == str(expected["volume"]) == "2"
    assert float(await shown("csat.mean")) == expected["csat"]["mean"] == 4.0
    assert await shown("csat.responses") == "1"
    assert float(await shown("resolution_time.median_s")) == pytest.approx(
        expected["resolution_time"]["median_s"]
    )
    await expect(page.locator(".charts img").first).to_be_visible()  # the charts
    await expect(page.locator("nav a[aria-current=page]")).to_have_text("Reports")  # console nav
    shots = Path(os.environ.get(SCREENSHOTS_ENV) or tmp_path)
    await page.screenshot(path=str(shots / "reports.png"), full_page=True)


async def test_every_page_works_under_the_content_security_policy(
    make_desk: Any, browser: Any, sqlite_url: str
) -> None:
    """No inline script anywhere: Chromium reports no CSP violation and the pages' scripts
    (chat widget, console, the Models page's buttons) still run from their files."""
    from playwright.async_api import expect

    desk: LiveDesk = await make_desk(sqlite_url, registry=True)
    await desk.agent("root@example.com", role="admin")
    violations: list[str] = []
    dialogs: list[str] = []
    context = await browser.new_context()
    page = await context.new_page()
    page.on(
        "console",
        lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
    )

    async def dismiss(dialog: Any) -> None:
        dialogs.append(dialog.message)
        await dialog.dismiss()

    page.on("dialog", dismiss)
    await page.goto(desk.url("/"))
    await page.fill("#text", "My invoice shows the wrong address")
    await page.click("#send")
    await expect(page.locator("#log li.bot").first).to_be_visible(timeout=15_000)
    await page.goto(desk.url("/reset/no-such-link"))
    await page.goto(desk.url("/console/login?next=/console/models"))
    await page.fill("input[name=email]", "root@example.com")
    await page.fill("input[name=password]", PASSWORD)
    await page.click("button[type=submit]")
    await expect(page.locator("#versions")).to_be_visible()
    await page.click("#rollback")  # models.js asks before rolling back
    for _ in range(50):
        if dialogs:
            break
        await asyncio.sleep(0.1)
    assert dialogs == ["Serve the previously active version again?"]
    for path in ("/console/queue", "/console/reports"):
        await page.goto(desk.url(path))
        await expect(page.locator("main")).to_be_visible()
    assert violations == []
