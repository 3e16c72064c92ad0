"""Organisations stored by the admins: before, a customer's organisation was only their email's
domain ("acme-tools.io"), never the company's name, and two domains of one company showed as
two. Now admins name organisations with their domains (``/api/agent/organisations``); a
customer with an email there (or under it) shows the name, others the domain as before. On
SQLite and PostgreSQL, and in the console's Customer box (Chromium)."""

from __future__ import annotations

from typing import Any

import pytest

from . import test_console_browser
from .conftest import Agent, LiveDesk
from .test_customer_identity import ASKED, CRASH

browser = test_console_browser.browser  # the same Chromium fixture
ACME = {"name": "Acme Tools", "domains": ["acme-tools.io", "ACME.com"]}


async def customer_with_email(desk: LiveDesk, email: str) -> str:
    """A web customer's ticket, the customer having given ``email``: its ID."""
    customer = await desk.customer()
    tid = await customer.opens_ticket(CRASH)
    await customer.wait_for(lambda m: ASKED in m["text"])
    await customer.say(f"Ann Lee, {email}")
    await customer.wait_for(lambda m: "passed that on" in m["text"])
    return tid


async def organisation_of(agent: Agent, tid: str) -> Any:
    return (await agent.ticket(tid))["customer"]["organisation"]


async def test_admins_name_organisations_that_customers_show_as(desk: LiveDesk) -> None:
    admin = await desk.agent("root@example.com", role="admin")
    made = await admin.ok("POST", "/api/agent/organisations", ACME)
    acme = made["organisation"]
    assert (acme["name"], acme["domains"]) == ("Acme Tools", ["acme-tools.io", "acme.com"])

    at_acme = await customer_with_email(desk, "ann@eu.acme.com")  # a subdomain counts
    elsewhere = await customer_with_email(desk, "bo@globex.org")
    assert await organisation_of(admin, at_acme) == "Acme Tools"
    assert await organisation_of(admin, elsewhere) == "globex.org"  # derived, as before

    listed = await admin.ok("GET", "/api/agent/organisations")
    assert listed["organisations"] == [acme]
    path = f"/api/agent/organisations/{acme['id']}"
    renamed = await admin.ok("PATCH", path, {"name": "Acme Group", "domains": ["acme.com"]})
    assert renamed["organisation"]["domains"] == ["acme.com"]
    assert await organisation_of(admin, at_acme) == "Acme Group"
    await admin.ok("POST", "/api/agent/organisations", {"name": "Globex", "domains": "globex.org"})
    assert await organisation_of(admin, elsewhere) == "Globex"
    await admin.ok("DELETE", path)
    assert await organisation_of(admin, at_acme) == "eu.acme.com"  # back to the domain


async def test_organisations_refuse_what_makes_no_sense(desk: LiveDesk) -> None:
    admin = await desk.agent("root@example.com", role="admin")
    made = (await admin.ok("POST", "/api/agent/organisations", ACME))["organisation"]
    for body, status, words in [
        ({"name": "Other", "domains": ["acme.com"]}, 409, "belongs to Acme Tools"),
        ({"name": "Acme Tools", "domains": []}, 409, "exists already"),
        ({"name": "Mail", "domains": ["gmail.com"]}, 400, "free-mail"),
        ({"name": "Bad", "domains": ["not a domain"]}, 400, "not a domain"),
        ({"name": " ", "domains": []}, 400, "name"),
        ({"name": "X", "domains": [], "colour": "red"}, 400, "unknown fields"),
    ]:
        status_got, answer = await admin.call("POST", "/api/agent/organisations", body)
        assert (status_got, words in answer["error"]) == (status, True), answer
    status, _ = await admin.call("PATCH", "/api/agent/organisations/999999", {"name": "Y"})
    assert status == 404
    status, _ = await admin.call("DELETE", "/api/agent/organisations/nope")
    assert status == 400

    manager = await desk.agent("pat@example.com", role="manager")  # admins only
    assert (await manager.call("GET", "/api/agent/organisations"))[0] == 403
    assert (await manager.call("DELETE", f"/api/agent/organisations/{made['id']}"))[0] == 403


@pytest.mark.browser
async def test_the_customer_box_names_the_stored_organisation(
    make_desk: Any, browser: Any, sqlite_url: str
) -> None:
    from playwright.async_api import expect

    from .test_console_workspace_browser import logged_in

    desk: LiveDesk = await make_desk(sqlite_url)
    admin = await desk.agent("root@example.com", role="admin")
    await admin.ok("POST", "/api/agent/organisations", ACME)
    tid = await customer_with_email(desk, "ann@acme-tools.io")
    page = await logged_in(browser, desk, "root@example.com")
    await page.goto(desk.url(f"/console/tickets/{tid}"))
    box = page.locator("#customer-identity")
    await expect(box.locator("[data-field=organisation]")).to_have_text("Acme Tools")
