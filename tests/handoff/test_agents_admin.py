"""Managing agents (#12): before, agents could only be created (CLI or API); an admin now changes
role, teams, skills and capacity, deactivates (signed out, routed nothing) and resets passwords,
over the API and on the console's Agents page (Chromium); every agent sets Available/Away from
the console's top bar, and routing follows it."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest

from . import test_console_browser
from .conftest import PASSWORD, LiveDesk
from .test_console_browser import SCREENSHOTS_ENV
from .test_console_workspace_browser import logged_in

browser = test_console_browser.browser  # the same Chromium fixture


async def test_an_admin_changes_deactivates_and_resets_agents(desk: LiveDesk) -> None:
    root = await desk.agent("root@example.com", role="admin")
    kim = await desk.agent("kim@example.com")
    kim_id = kim.profile["id"]
    changed = await root.ok(
        "PATCH",
        f"/api/agent/agents/{kim_id}",
        {"role": "manager", "teams": "billing, support", "skills": ["de"], "capacity": 3},
    )
    assert changed["agent"]["role"] == "manager"
    assert changed["agent"]["teams"] == ["billing", "support"]
    assert (changed["agent"]["skills"], changed["agent"]["capacity"]) == (["de"], 3)

    made_up = await root.ok("POST", f"/api/agent/agents/{kim_id}/password", {})
    assert len(made_up["password"]) >= 10
    assert (await kim.call("GET", "/api/agent/me"))[0] == 401  # signed out everywhere
    assert (await kim.login(PASSWORD))[0] == 401
    assert (await kim.login(made_up["password"]))[0] == 200
    await root.ok("POST", f"/api/agent/agents/{kim_id}/password", {"password": PASSWORD})
    assert (await kim.login(PASSWORD))[0] == 200

    await root.ok("PATCH", f"/api/agent/agents/{kim_id}", {"active": False})
    assert (await kim.call("GET", "/api/agent/me"))[0] == 401
    assert (await kim.login(PASSWORD))[0] == 401
    listed = {a["email"]: a for a in (await root.ok("GET", "/api/agent/agents"))["agents"]}
    assert listed["kim@example.com"]["active"] is False


async def test_agents_admin_refuses_what_it_should(desk: LiveDesk) -> None:
    root = await desk.agent("root@example.com", role="admin")
    boss = await desk.agent("bo@example.com", role="manager")
    me = root.profile["id"]
    assert (await boss.call("PATCH", f"/api/agent/agents/{me}", {"capacity": 2}))[0] == 403
    status, body = await root.call("PATCH", f"/api/agent/agents/{me}", {"active": False})
    assert status == 409 and "yourself" in body["error"]
    status, _ = await root.call("PATCH", f"/api/agent/agents/{me}", {"role": "agent"})
    assert status == 409
    for bad in ({"capacity": 0}, {"role": "boss"}, {"active": "no"}, {"email": "x@y.z"}, {}):
        status, body = await root.call("PATCH", f"/api/agent/agents/{me}", bad)
        assert status == 400, bad
    assert (await root.call("PATCH", "/api/agent/agents/999", {"capacity": 2}))[0] == 404
    status, _ = await root.call("POST", f"/api/agent/agents/{me}/password", {"password": "short"})
    assert status == 400


@pytest.mark.browser
async def test_the_agents_page_and_the_presence_toggle(
    make_desk: Any, browser: Any, sqlite_url: str, tmp_path: Path
) -> None:
    from playwright.async_api import expect

    desk: LiveDesk = await make_desk(sqlite_url)
    root = await desk.agent("root@example.com", role="admin")
    page = await logged_in(
        browser, desk, "root@example.com", viewport={"width": 1300, "height": 800}
    )
    page.on("dialog", lambda d: d.accept())

    toggle = page.locator("#presence-toggle")
    await expect(toggle).to_have_text("Available")
    await toggle.click()
    await expect(toggle).to_have_text("Away")
    assert (await root.ok("GET", "/api/agent/me/presence"))["presence"] == "away"
    await toggle.click()
    await expect(toggle).to_have_text("Available")

    await page.get_by_role("link", name="Agents").click()
    await expect(page.locator("h1")).to_have_text("Agents")
    form = page.locator("#new-agent")
    await form.locator("input[name=name]").fill("Lena")
    await form.locator("input[name=email]").fill("lena@example.com")
    await form.locator("select[name=role]").select_option("manager")
    await form.locator("input[name=teams]").fill("billing, support")
    await form.locator("input[name=capacity]").fill("4")
    await form.locator("input[name=password]").fill("a long enough password")
    await form.locator("button").click()
    row = page.locator("tr.agent-row", has_text="lena@example.com")
    await expect(row).to_be_visible()

    await row.locator("input[name=skills]").fill("de, fr")
    await row.locator("input[name=capacity]").fill("2")
    await row.locator("input[name=active]").uncheck()
    await row.get_by_role("button", name="Save").click()
    await expect(page.locator("tr.agent-row.inactive", has_text="lena@example.com")).to_be_visible()
    await row.get_by_role("button", name="Reset password").click()
    await expect(page.locator("#new-password")).to_have_text(
        re.compile(r"New password .+: \S{10,}")
    )

    lena = next(
        a for a in (await root.ok("GET", "/api/agent/agents"))["agents"] if a["name"] == "Lena"
    )
    assert (lena["role"], lena["teams"], lena["skills"]) == (
        "manager",
        ["billing", "support"],
        ["de", "fr"],
    )
    assert (lena["capacity"], lena["active"]) == (2, False)
    shots = Path(os.environ.get(SCREENSHOTS_ENV) or tmp_path)
    await page.screenshot(path=str(shots / "agents.png"))

    phone = await logged_in(
        browser, desk, "root@example.com", viewport={"width": 390, "height": 844}
    )
    await phone.goto(desk.url("/console/agents"))
    await expect(phone.locator("tr.agent-row", has_text="lena@example.com")).to_be_visible()
    assert await phone.evaluate("document.documentElement.scrollWidth") <= 390
    await phone.screenshot(path=str(shots / "agents-390px.png"))


async def test_only_admins_see_the_agents_page(desk: LiveDesk) -> None:
    boss = await desk.agent("bo@example.com", role="manager")
    async with boss.http.get(desk.url("/console/agents")) as r:
        assert r.status == 403 and 'class="topbar"' in await r.text()
    async with boss.http.get(desk.url("/console/queue")) as r:
        assert 'href="/console/agents"' not in await r.text()
