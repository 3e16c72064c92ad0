"""The console's Articles page in a real browser (Chromium): a manager writes an article with
hostile Markdown and sees it previewed inert, publishes it, drafts another from a resolved
ticket (landing on it), and deletes one; an agent is refused the page."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from . import test_console_browser
from .conftest import PASSWORD, LiveDesk

pytestmark = pytest.mark.browser
browser = test_console_browser.browser  # the same Chromium fixture

HOSTILE = (
    "Open **Reports → Export**.<script>document.title='pwned'</script>\n\n"
    "<img src=x onerror=\"document.title='pwned'\">\n\n"
    "[bad](javascript:document.title='pwned') [docs](https://example.com/export)"
)


async def _signed_in(browser: Any, desk: LiveDesk, email: str, dialogs: list[str]) -> Any:
    page = await (await browser.new_context(viewport={"width": 1300, "height": 900})).new_page()

    async def on_dialog(dialog: Any) -> None:
        dialogs.append(dialog.message)
        if dialog.type == "confirm" and dialog.message.startswith("Delete"):
            await dialog.accept()
        else:
            await dialog.dismiss()

    page.on("dialog", on_dialog)
    await page.goto(desk.url("/console/login"))
    await page.fill("input[name=email]", email)
    await page.fill("input[name=password]", PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_url(re.compile(r"/console/queue"))
    return page


async def test_a_manager_keeps_the_knowledge_base_in_the_console(
    make_desk: Any, browser: Any, sqlite_url: str, tmp_path: Path
) -> None:
    from playwright.async_api import expect

    desk: LiveDesk = await make_desk(sqlite_url)
    pat = await desk.agent("pat@example.com", role="manager")
    dialogs: list[str] = []
    page = await _signed_in(browser, desk, "pat@example.com", dialogs)

    await page.get_by_role("link", name="Articles").click()
    await expect(page.locator("h1")).to_have_text("Articles")
    await page.get_by_role("link", name="New article").click()
    await page.fill("input[name=title]", "Export your data to CSV")
    await page.fill("textarea[name=body]", HOSTILE)
    await page.select_option("select[name=language]", "fr")
    await page.fill("input[name=tags]", "export, csv")
    await page.fill("input[name=intents]", "how_to")
    await page.get_by_role("button", name="Create").click()
    await page.wait_for_url(re.compile(r"/console/articles/\d+$"))
    article_id = page.url.rsplit("/", 1)[1]

    made = await pat.ok("GET", f"/api/agent/articles/{article_id}")
    assert (made["title"], made["language"], made["published"]) == (
        "Export your data to CSV",
        "fr",
        False,
    )
    assert made["tags"] == ["export", "csv"] and made["intents"] == ["how_to"]
    preview = page.locator("#preview")
    await expect(preview.locator("strong")).to_have_text("Reports → Export")
    assert await preview.locator("script, img, iframe").count() == 0
    hrefs = await preview.locator("a").evaluate_all("els => els.map(e => e.getAttribute('href'))")
    assert hrefs == ["https://example.com/export"]
    await expect(preview).to_contain_text("<script>document.title='pwned'</script>")
    assert "pwned" not in await page.title()

    await page.fill("input[name=title]", "Export to CSV")
    await page.check("input[name=published]")
    await page.get_by_role("button", name="Save").click()
    await expect(page.locator(".toast")).to_contain_text("Saved")
    changed = await pat.ok("GET", f"/api/agent/articles/{article_id}")
    assert changed["title"] == "Export to CSV" and changed["published"] is True
    await expect(page.locator("#article-state")).to_contain_text("Published")
    await page.screenshot(path=str(tmp_path / "article.png"))

    # an agent's resolution becomes a draft, and the manager lands on it
    customer = await desk.customer()
    tid = await customer.opens_ticket("How do I change the invoice address on my account?")
    await pat.ok(
        "POST",
        f"/api/agent/tickets/{tid}/resolve",
        {"resolution": "Settings → Billing → Invoice address; it applies to the next invoice."},
    )
    await page.goto(desk.url(f"/console/tickets/{tid}"))
    await page.get_by_role("button", name="Draft a help article from this resolution").click()
    await page.wait_for_url(re.compile(r"/console/articles/\d+$"))
    draft_id = page.url.rsplit("/", 1)[1]
    assert draft_id != article_id
    await expect(page.locator("textarea[name=body]")).to_contain_text("Invoice address")
    assert not await page.is_checked("input[name=published]")

    await page.goto(desk.url("/console/articles"))
    rows = page.locator("#articles tr.article-row")
    await expect(rows).to_have_count(2)
    await expect(rows.filter(has_text="Export to CSV")).to_contain_text("published")
    await expect(page.locator("#article-count")).to_have_text("2 articles, 1 draft")
    await page.screenshot(path=str(tmp_path / "articles.png"))

    await rows.filter(has_text="Export to CSV").get_by_role("link").click()
    await page.get_by_role("button", name="Delete").click()
    await page.wait_for_url(re.compile(r"/console/articles$"))
    await expect(rows).to_have_count(1)
    status, _ = await pat.call("GET", f"/api/agent/articles/{article_id}")
    assert status == 404
    assert dialogs == ["Delete “Export to CSV”?"]  # the confirmation; no script ever ran


async def test_an_agent_is_refused_the_articles_page(
    make_desk: Any, browser: Any, sqlite_url: str
) -> None:
    from playwright.async_api import expect

    desk: LiveDesk = await make_desk(sqlite_url)
    await desk.agent("ann@example.com")
    dialogs: list[str] = []
    page = await _signed_in(browser, desk, "ann@example.com", dialogs)
    await expect(page.get_by_role("link", name="Articles")).to_have_count(0)
    response = await page.goto(desk.url("/console/articles"))
    assert response is not None and response.status == 403
    await expect(page.locator(".alert")).to_contain_text("managers and admins")
