"""Who the customer is, asked after the hand-off: before, a web customer stayed "Web visitor"
with no address, and the agent had nothing to greet them by or reach them at after the chat.
Now the bot asks for what it lacks (once per ticket, skippable); the answer is stored on the
customer and the agent sees name, email, organisation, channel, language and every earlier
ticket, over the API and in the console (Chromium). A customer who ignores the question and
goes on about the problem is handled exactly as before."""

from __future__ import annotations

import re
from typing import Any

import pytest

from . import test_console_browser
from .conftest import Agent, Customer, LiveDesk
from .test_workspace import filed

browser = test_console_browser.browser  # the same Chromium fixture

CRASH = "The desktop app freezes and closes whenever I export a PDF."
PRINTING = "The desktop app also crashes when I try to print an invoice."
ASKED = "what name and email address"


async def rates_and_opens_another(customer: Customer, text: str) -> str:
    """The customer rates the resolved ticket 5 and writes about a new problem: its ID."""
    prompt = await customer.wait_for(lambda m: len(m["buttons"]) == 5)
    await customer.say(payload=prompt["buttons"][4]["payload"])
    await customer.wait_for(lambda m: "5/5" in m["text"])
    before = len(customer.messages)
    await customer.say(text)
    found = await customer.wait_for(
        lambda m: customer.messages.index(m) >= before and "FD-" in m["text"]
    )
    return re.search(r"FD-\d+", found["text"]).group(0)  # type: ignore[union-attr]


async def test_a_handed_off_customer_gives_a_name_and_email_the_agent_sees(
    desk: LiveDesk,
) -> None:
    customer = await desk.customer()
    tid = await customer.opens_ticket(CRASH)
    question = await customer.wait_for(lambda m: ASKED in m["text"])
    assert question["sender"] == "bot" and '"skip"' in question["text"]

    await customer.say("Ann Lee, Ann.Lee@Acme-Tools.io")
    thanks = await customer.wait_for(lambda m: "passed that on" in m["text"])
    assert thanks["sender"] == "bot"
    kim = await desk.agent("kim@example.com")
    details = await filed(kim, tid, "Ann Lee")  # the answer stays in the transcript too
    who = details["customer"]
    assert (who["name"], who["email"], who["email_verified"]) == (
        "Ann Lee",
        "ann.lee@acme-tools.io",
        False,
    )
    assert (who["organisation"], who["channel"], who["language"]) == ("acme-tools.io", "web", "en")
    told = next(e for e in details["events"] if e["kind"] == "identity")
    assert told["detail"] == "name=Ann Lee; email=ann.lee@acme-tools.io"

    # the same customer's next problem: nothing asked again, the first ticket in the history
    await kim.ok("POST", f"/api/agent/tickets/{tid}/claim")
    await kim.ok("POST", f"/api/agent/tickets/{tid}/resolve", {"resolution": "New build."})
    second = await rates_and_opens_another(customer, PRINTING)
    later = await kim.ticket(second)
    assert [t["id"] for t in later["history"]] == [tid]
    assert later["customer"]["name"] == "Ann Lee"
    assert [m["text"] for m in customer.messages].count(question["text"]) == 1


async def test_skip_declines_and_a_message_about_the_problem_goes_on_as_before(
    desk: LiveDesk,
) -> None:
    skipping = await desk.customer()
    await skipping.opens_ticket(CRASH)
    await skipping.wait_for(lambda m: ASKED in m["text"])
    await skipping.say("skip")
    ok = await skipping.wait_for(lambda m: m["text"].startswith("No problem."))
    assert ok["sender"] == "bot"

    going_on = await desk.customer()
    tid = await going_on.opens_ticket(CRASH)
    await going_on.wait_for(lambda m: ASKED in m["text"])
    await going_on.say(PRINTING)  # not an answer: filed on the ticket, acknowledged as always
    ack = await going_on.wait_for(lambda m: "added that to ticket" in m["text"])
    assert tid in ack["text"]
    kim: Agent = await desk.agent("kim@example.com")
    details = await filed(kim, tid, "print an invoice")
    assert (details["customer"]["name"], details["customer"]["email"]) == (None, None)
    assert "identity" not in [e["kind"] for e in details["events"]]


@pytest.mark.parametrize(
    ("language", "problem", "asked", "answer", "thanks", "name"),
    [
        (
            "de-DE",
            "Die App stürzt jedes Mal ab, wenn ich einen Bericht exportiere.",
            "Welchen Namen",
            "ich heiße anna schmidt",
            "ich habe das weitergegeben",
            "Anna Schmidt",
        ),
        (
            "fr-FR",
            "L'application plante chaque fois que j'exporte un rapport PDF.",
            "quels nom",
            "Je m\u2019appelle Élodie Martin",
            "je l'ai transmis",
            "Élodie Martin",
        ),
        (
            "es-ES",
            "La aplicación se cierra cada vez que exporto un informe.",
            "qué nombre",
            "Hola, soy María de la Cruz",
            "lo he transmitido",
            "María de la Cruz",
        ),
    ],
)
async def test_a_name_given_in_german_french_or_spanish_is_read(
    desk: LiveDesk, language: str, problem: str, asked: str, answer: str, thanks: str, name: str
) -> None:
    from .test_languages import customer_in

    customer = await customer_in(desk, language)
    await customer.say(problem)
    reply = await customer.wait_for(lambda m: "FD-" in m["text"])
    if len(reply["buttons"]) > 2:  # a clarifying question first: "talk to a person"
        await customer.say(payload=reply["buttons"][0]["payload"])
        reply = await customer.wait_for(lambda m: "FD-" in m["text"] and m is not reply)
    tid = re.search(r"FD-\d+", reply["text"]).group(0)  # type: ignore[union-attr]
    await customer.wait_for(lambda m: asked in m["text"])
    await customer.say(answer)
    await customer.wait_for(lambda m: thanks in m["text"])
    kim = await desk.agent("kim@example.com")
    details = await kim.ticket(tid)
    assert details["customer"]["name"] == name


@pytest.mark.browser
async def test_the_console_shows_who_the_customer_is(
    make_desk: Any, browser: Any, sqlite_url: str
) -> None:
    from playwright.async_api import expect

    from .test_console_workspace_browser import logged_in

    desk: LiveDesk = await make_desk(sqlite_url)
    await desk.agent("ann@example.com")
    customer = await desk.customer()
    first = await customer.opens_ticket(CRASH)
    await customer.wait_for(lambda m: ASKED in m["text"])
    await customer.say("my name is Bo Chen and my email is bo@gmail.com")
    await customer.wait_for(lambda m: "passed that on" in m["text"])
    kim = await desk.agent("kim@example.com")
    await kim.ok("POST", f"/api/agent/tickets/{first}/claim")
    await kim.ok("POST", f"/api/agent/tickets/{first}/resolve", {"resolution": "New build."})
    second = await rates_and_opens_another(customer, PRINTING)

    page = await logged_in(browser, desk, "ann@example.com")
    await page.goto(desk.url(f"/console/tickets/{second}"))
    box = page.locator("#customer-identity")
    await expect(box.locator("[data-field=name]")).to_have_text("Bo Chen")
    await expect(box.locator("[data-field=email]")).to_contain_text("bo@gmail.com")
    await expect(box.locator("[data-field=organisation]")).to_have_text("—")  # free mail
    await expect(box.locator("[data-field=channel]")).to_have_text(re.compile("web", re.I))
    await expect(box.locator("[data-field=language]")).to_have_text("en")
    earlier = page.get_by_role("region", name="Customer").locator("a", has_text=first)
    await expect(earlier).to_be_visible()
