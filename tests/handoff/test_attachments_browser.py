"""Files in real browsers (Chromium): a customer attaches a screenshot in the web-chat widget,
the agent sees it in the console as an image and answers with a PDF, which the customer's
widget shows and saves."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.bot.test_attachments import PDF, png

from . import test_console_browser
from .conftest import LiveDesk
from .test_console_workspace_browser import logged_in

pytestmark = pytest.mark.browser
browser = test_console_browser.browser  # the same Chromium fixture


async def test_a_screenshot_from_the_widget_shows_in_the_console_and_a_pdf_goes_back(
    make_desk: Any, browser: Any, sqlite_url: str, tmp_path: Path
) -> None:
    from playwright.async_api import expect

    desk: LiveDesk = await make_desk(sqlite_url)
    await desk.agent("ann@example.com")
    screenshot = tmp_path / "screen.png"
    screenshot.write_bytes(png(640, 400))
    fix = tmp_path / "fix.pdf"
    fix.write_bytes(PDF)

    chat = await (await browser.new_context()).new_page()
    await chat.goto(desk.url("/"))
    await chat.fill("#text", "The export dialog shows a strange error, screenshot attached.")
    await chat.click("#send")
    line = chat.locator("#log li", has_text=re.compile(r"FD-\d+"))
    await expect(line.first).to_be_visible(timeout=15_000)
    tid = re.search(r"FD-\d+", await line.first.inner_text()).group(0)  # type: ignore[union-attr]
    await chat.fill("#text", "This is what I see")
    await chat.set_input_files("#file", str(screenshot))
    sent = chat.locator("#log li.customer img")
    await expect(sent).to_be_visible(timeout=10_000)

    console = await logged_in(
        browser, desk, "ann@example.com", viewport={"width": 1280, "height": 860}
    )
    await console.goto(desk.url(f"/console/tickets/{tid}"))
    image = console.locator("#transcript .file-image img")
    await expect(image).to_be_visible()
    # the thumbnail, once loaded (visible comes first: its box is laid out before the bytes land)
    loaded = await image.element_handle()
    await console.wait_for_function("i => i.complete && i.naturalWidth > 0", arg=loaded)
    assert await image.evaluate("i => i.naturalWidth") == 320
    await expect(console.locator("#transcript")).to_contain_text("This is what I see")

    await console.fill("#reply-text", "Here is the fix as a PDF.")
    await console.set_input_files("#reply-file", str(fix))
    await console.click("#send-reply")
    await expect(console.locator("#transcript a.file")).to_contain_text("fix.pdf")

    received = chat.locator("#log li.agent a.file")
    await expect(received).to_contain_text("fix.pdf", timeout=10_000)
    async with chat.expect_download() as download:
        await received.click()
    saved = tmp_path / "saved.pdf"
    await (await download.value).save_as(saved)
    assert saved.read_bytes() == PDF
