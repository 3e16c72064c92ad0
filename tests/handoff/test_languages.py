"""A customer whose browser speaks French, German or Spanish hears the bot in that language
from the first message to the CSAT prompt, gets the article written in their language, and
agents see the language on the ticket."""

from __future__ import annotations

import re
from typing import Any

import pytest

from .conftest import Customer, LiveDesk

INVITE = {
    "title": "Inviting a colleague",
    "body": "Go to **Team → Members** and press **Invite**.",
    "published": True,
}
INVITE_FR = {
    "title": "Inviter un collègue",
    "body": "Allez dans **Équipe → Membres** et cliquez sur **Inviter**.",
    "language": "fr",
    "published": True,
}


async def customer_in(desk: LiveDesk, language: str) -> Customer:
    http = desk.http()
    async with http.post(desk.url("/api/chat/sessions"), json={"language": language}) as r:
        assert r.status == 201, await r.text()
        body = await r.json()
    return Customer(desk, http, body["session_id"], body["token"])


def bot_texts(customer: Customer) -> list[str]:
    return [m["text"] for m in customer.messages if m["sender"] == "bot"]


async def test_a_french_customer_hears_french_from_the_article_to_the_csat_prompt(
    desk: LiveDesk,
) -> None:
    pat = await desk.agent("pat@example.com", role="manager")
    original = await pat.ok("POST", "/api/agent/articles", INVITE)
    await pat.ok("POST", "/api/agent/articles", {**INVITE_FR, "translation_of": original["id"]})
    marie = await customer_in(desk, "fr-FR")
    await marie.say("Bonjour")
    await marie.wait_for(lambda m: m["sender"] == "bot")
    await marie.say("Comment inviter un collègue dans mon équipe ?")
    offer = await marie.wait_for(lambda m: len(m["buttons"]) == 2)
    assert "Inviter un collègue" in offer["text"] and "Équipe → Membres" in offer["text"]
    assert "Cet article de notre centre d'aide" in offer["text"]
    assert [b["label"] for b in offer["buttons"]] == [
        "C'est résolu, merci",
        "J'ai encore besoin d'aide",
    ]
    await marie.say(payload=offer["buttons"][0]["payload"])
    prompt = await marie.wait_for(lambda m: len(m["buttons"]) == 5)
    assert "a été résolu" in prompt["text"] and prompt["buttons"][4]["label"] == "5 - Excellent"
    await marie.say(payload=prompt["buttons"][1]["payload"])
    await marie.wait_for(lambda m: "Qu'aurions-nous pu mieux faire" in m["text"])
    texts = bot_texts(marie)
    assert texts[0].startswith("Bonjour ! Je suis l'assistant du support.")
    ticket_id = re.search(r"FD-\d+", offer["text"])
    assert ticket_id
    ticket = await pat.ticket(ticket_id.group(0))
    assert ticket["customer"]["language"] == "fr"


@pytest.mark.parametrize(
    ("language", "problem", "expected"),
    [
        (
            "de-DE",
            "Die App stürzt jedes Mal ab, wenn ich einen Bericht exportiere.",
            ["Danke für die Details. Ich habe das Ticket FD-", "Ein Mitarbeiter übernimmt"],
        ),
        (
            "es-ES",
            "La aplicación se cierra cada vez que exporto un informe.",
            ["Gracias por los detalles. He abierto el ticket FD-", "Un agente se hará cargo"],
        ),
    ],
)
async def test_german_and_spanish_customers_are_handed_off_in_their_language(
    desk: LiveDesk, language: str, problem: str, expected: list[str]
) -> None:
    ann = await desk.agent("ann@example.com")
    customer = await customer_in(desk, language)
    await customer.say(problem)
    reply = await customer.wait_for(lambda m: "FD-" in m["text"])
    if "Talk to a person" in str(reply) or len(reply["buttons"]) > 2:  # a clarifying question
        await customer.say(payload=reply["buttons"][0]["payload"])
        reply = await customer.wait_for(lambda m: "FD-" in m["text"] and m is not reply)
    for words in expected:
        assert words in reply["text"], reply["text"]
    ticket = await ann.ticket(re.search(r"FD-\d+", reply["text"]).group(0))  # type: ignore[union-attr]
    assert ticket["customer"]["language"] == language[:2]
    await ann.ok("POST", f"/api/agent/tickets/{ticket['id']}/claim")
    await ann.ok("POST", f"/api/agent/tickets/{ticket['id']}/resolve", {"resolution": "fixed"})
    prompt = await customer.wait_for(lambda m: len(m["buttons"]) == 5)
    rate = {"de": "Wie zufrieden sind Sie?", "es": "¿Qué tal lo hicimos?"}[language[:2]]
    assert rate in prompt["text"]


async def test_a_bad_browser_language_is_refused(desk: LiveDesk) -> None:
    http = desk.http()
    for bad in ({"language": "<script>"}, {"language": 42}, {"language": None}, ["fr"]):
        async with http.post(desk.url("/api/chat/sessions"), json=bad) as r:
            body: Any = await r.json()
            assert r.status == 400 and "error" in body
