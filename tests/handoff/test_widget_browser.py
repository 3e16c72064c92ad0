"""The hosted web-chat page in a real browser (Chromium): "New chat" shows the new conversation
at once, a paste over the limit is announced before sending instead of cut, and the text box
stays in view on a 320 px phone."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest

from . import test_console_browser
from .conftest import LiveDesk
from .test_console_browser import SCREENSHOTS_ENV

pytestmark = pytest.mark.browser
browser = test_console_browser.browser  # the same Chromium fixture


async def test_new_chat_is_at_once_and_a_long_paste_is_announced(
    make_desk: Any, browser: Any, sqlite_url: str
) -> None:
    from playwright.async_api import expect

    desk: LiveDesk = await make_desk(sqlite_url)
    page = await (await browser.new_context()).new_page()
    await page.goto(desk.url("/"))
    await page.fill("#text", "The desktop app crashes when I export a PDF.")
    await page.click("#send")
    await expect(page.locator("#log li.bot", has_text=re.compile(r"FD-\d+"))).to_be_visible(
        timeout=15_000
    )

    await page.click("#new-chat")  # the old long poll is parked on the server for 25 s
    await expect(page.locator("#log li")).to_have_count(0)
    await page.fill("#text", "I also cannot log in to the billing portal.")
    await page.click("#send")
    await expect(page.locator("#log li.customer")).to_have_text(
        re.compile("billing portal"), timeout=5_000
    )
    # (a hand-off's answer comes with "While you wait: what name…" in the same poll)
    await expect(page.locator("#log li.bot").first).to_be_visible(timeout=10_000)

    before = await page.locator("#log li").count()
    await page.fill("#text", "x" * 4500)
    await expect(page.locator("#limit")).to_contain_text("4,500 characters; the limit is 4,000")
    await page.click("#send")
    assert await page.input_value("#text") == "x" * 4500  # kept whole, nothing sent
    assert await page.locator("#log li").count() == before
    await page.fill("#text", "x" * 3000)
    await expect(page.locator("#limit")).to_be_hidden()


async def test_the_text_box_is_in_view_on_a_320_px_phone(
    make_desk: Any, browser: Any, sqlite_url: str, tmp_path: Path
) -> None:
    desk: LiveDesk = await make_desk(sqlite_url)
    page = await (await browser.new_context(viewport={"width": 320, "height": 568})).new_page()
    await page.goto(desk.url("/"))
    box = await page.locator("#text").bounding_box()
    send = await page.locator("#send").bounding_box()
    assert box is not None and send is not None
    shots = Path(os.environ.get(SCREENSHOTS_ENV) or tmp_path)
    await page.screenshot(path=str(shots / "webchat-320.png"))
    assert box["y"] + box["height"] <= 568 and send["x"] + send["width"] <= 320
