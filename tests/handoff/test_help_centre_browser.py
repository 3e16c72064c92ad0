"""An article written to attack readers renders inert in a real browser (Chromium): no script
runs, no ``javascript:`` or ``data:`` link survives, raw HTML is shown as text, and the page is
still readable, in the widget's style."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from . import test_console_browser
from .conftest import LiveDesk

pytestmark = pytest.mark.browser
browser = test_console_browser.browser  # the same Chromium fixture

HOSTILE = (
    "Press **?** for help.<script>document.title='pwned'</script>\n\n"
    "<img src=x onerror=\"document.title='pwned'\">\n\n"
    "[plain](javascript:document.title='pwned') "
    "[cased](JaVaScRiPt:document.title='pwned') "
    "[entity](javascript&#58;document.title='pwned') "
    "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==) "
    "[fine](https://example.com/docs)\n\n"
    "<a href=\"javascript:document.title='pwned'\">raw link</a>\n\n"
    "<iframe src=\"javascript:document.title='pwned'\"></iframe>"
)


async def test_a_hostile_article_renders_inert_in_chromium(
    browser: Any, make_desk: Any, sqlite_url: str, tmp_path: Path
) -> None:
    desk: LiveDesk = await make_desk(sqlite_url)
    pat = await desk.agent("pat@example.com", role="manager")
    art = await pat.ok(
        "POST",
        "/api/agent/articles",
        {"title": "Keyboard shortcuts", "body": HOSTILE, "published": True},
    )
    page = await (await browser.new_context()).new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: dialogs.append(d.message))
    await page.goto(desk.url(f"/help/articles/{art['id']}"))
    await page.wait_for_load_state("networkidle")
    assert await page.title() == "Keyboard shortcuts · Frontdesk"
    body = page.locator(".help-body")
    assert await body.locator("script, img, iframe").count() == 0
    hrefs = await body.locator("a").evaluate_all("els => els.map(e => e.getAttribute('href'))")
    assert hrefs == ["https://example.com/docs"]
    rel = await body.locator("a").first.get_attribute("rel")
    assert rel is not None and "noopener" in rel
    text = await body.inner_text()
    assert "<script>document.title='pwned'</script>" in text  # shown, not run
    assert "[plain](javascript:" in text
    for label in ("plain", "cased", "entity", "data", "raw link"):  # click whatever is there
        link = body.get_by_role("link", name=label)
        if await link.count():
            await link.click()
    await page.wait_for_timeout(200)
    assert await page.title() == "Keyboard shortcuts · Frontdesk" and dialogs == []
    background = await page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(244, 246, 251)"  # the widget's --bg: its stylesheet applies
    await page.screenshot(path=str(tmp_path / "help-article.png"), full_page=True)

    await page.goto(desk.url("/help?q=shortcuts"))
    await page.get_by_role("link", name="Keyboard shortcuts").click()
    await page.wait_for_url(f"**/help/articles/{art['id']}")
