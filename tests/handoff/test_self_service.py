"""Self-service, as customers and agents live it: a how-to question answered from the knowledge
base with a link and two buttons; "That solved it" resolves the ticket by the bot (counted as
self-service), "I still need help" hands it to an agent who sees the article offered; no match,
an outage or a request the bot can fulfil take their usual paths."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from handoff.reports import build_report
from models.metrics import ReportPeriod

from .conftest import Agent, Customer, LiveDesk

INVITE = {
    "title": "Inviting a colleague",
    "body": "Go to **Team → Members** and press **Invite**. Your colleague gets an email with a "
    "link that stays valid for seven days.",
    "published": True,
}
EXPORT = {
    "title": "Exporting your data to CSV",
    "body": "## From the reports page\n\nOpen **Reports**, press **Export** and choose **CSV**. "
    "The file holds every ticket of the period you picked.\n\n## Limits\n\n"
    "An export holds at most 100,000 rows.",
    "published": True,
}


def offer(m: dict[str, Any]) -> bool:
    return m["sender"] == "bot" and len(m["buttons"]) == 2


async def kb_desk(desk: LiveDesk) -> Agent:
    pat = await desk.agent("pat@example.com", role="manager")
    for article in (INVITE, EXPORT):
        await pat.ok("POST", "/api/agent/articles", article)
    return pat


async def report(desk: LiveDesk) -> dict[str, Any]:
    now = desk.fd.desk.clock()
    period = ReportPeriod(now - timedelta(days=1), now + timedelta(minutes=1))
    built = await desk.fd.store.read(lambda uow: build_report(uow, period, now))
    return dict(built.as_json())


async def ticket_of(agent: Agent, customer: Customer) -> dict[str, Any]:
    found = re.search(r"FD-\d+", " ".join(m["text"] for m in customer.messages))
    assert found, [m["text"] for m in customer.messages]
    return await agent.ticket(found.group(0))


async def test_a_how_to_question_is_answered_from_an_article_and_solved_by_the_customer(
    desk: LiveDesk,
) -> None:
    pat = await kb_desk(desk)
    customer = await desk.customer()
    await customer.say("what do I do to add a coworker to our workspace?")
    answer = await customer.wait_for(offer)
    assert "Inviting a colleague" in answer["text"] and "Team → Members" in answer["text"]
    assert re.search(r"http://\S+/help/articles/\d+", answer["text"])
    labels = [b["label"] for b in answer["buttons"]]
    assert labels == ["That solved it", "I still need help"]

    await customer.say(payload=answer["buttons"][0]["payload"])
    prompt = await customer.wait_for(lambda m: len(m["buttons"]) == 5)
    assert "resolved" in prompt["text"]
    ticket = await ticket_of(pat, customer)
    assert ticket["status"] == "resolved" and ticket["assignee"] is None
    assert ticket["auto_fulfilled"] is True
    kinds = [e["kind"] for e in ticket["events"]]
    assert "article_offered" in kinds and "self_service" in kinds
    figures = await report(desk)
    assert figures["self_service_rate"] == 1.0 and figures["automation_rate"] == 1.0

    await customer.say(payload=answer["buttons"][1]["payload"])  # a stale button
    await customer.wait_for(lambda m: "no longer active" in m["text"])


async def test_still_needing_help_hands_off_with_the_article_noted(desk: LiveDesk) -> None:
    pat = await kb_desk(desk)
    customer = await desk.customer()
    await customer.say("How can I export my tickets as a CSV file?")
    answer = await customer.wait_for(offer)
    assert "Exporting your data to CSV" in answer["text"] and "Export" in answer["text"]
    await customer.say(payload=answer["buttons"][1]["payload"])
    await customer.wait_for(lambda m: "human agent" in m["text"])
    ticket = await ticket_of(pat, customer)
    assert ticket["status"] == "new" and ticket["auto_fulfilled"] is False
    offered = next(e for e in ticket["events"] if e["kind"] == "article_offered")
    assert offered["new"].endswith("Exporting your data to CSV")
    queue = await pat.ok("GET", "/api/agent/tickets?status=new")
    assert ticket["id"] in [t["id"] for t in queue["tickets"]]
    assert (await report(desk))["self_service_rate"] == 0.0


async def test_a_typed_answer_counts_like_the_buttons(desk: LiveDesk) -> None:
    pat = await kb_desk(desk)
    solved, unsolved = await desk.customer(), await desk.customer()
    for customer in (solved, unsolved):
        await customer.say("How do I invite a colleague?")
        await customer.wait_for(offer)
    await solved.say("thanks, that worked!")
    await solved.wait_for(lambda m: len(m["buttons"]) == 5)
    await unsolved.say("no, I don't see any Members page")
    await unsolved.wait_for(lambda m: "human agent" in m["text"])
    assert (await ticket_of(pat, solved))["status"] == "resolved"
    stuck = await ticket_of(pat, unsolved)
    assert stuck["status"] == "new"
    assert any("Members page" in m["text"] for m in stuck["messages"])


async def test_without_a_matching_article_the_ticket_path_is_unchanged(desk: LiveDesk) -> None:
    pat = await kb_desk(desk)
    question = await desk.customer()
    await question.say("How do I change the colour of my invoices?")
    reply = await question.wait_for(lambda m: m["sender"] == "bot")
    assert "/help/" not in reply["text"] and not offer(reply)

    outage = await desk.customer()
    await outage.say("Nothing loads at all since 8am, the whole service is unreachable!")
    reply = await outage.wait_for(lambda m: "FD-" in m["text"])
    assert "/help/" not in reply["text"] and "human agent" in reply["text"]

    request = await desk.customer()  # a request the bot fulfils itself, not a question
    await request.say("Please add bob@example.com to my team.")
    reply = await request.wait_for(lambda m: "FD-" in m["text"])
    assert "/help/" not in reply["text"] and "take care of it myself" in reply["text"]
    for customer in (question, outage):
        ticket = await ticket_of(pat, customer)
        assert "article_offered" not in [e["kind"] for e in ticket["events"]]


async def test_an_unpublished_article_is_never_offered(desk: LiveDesk) -> None:
    pat = await desk.agent("pat@example.com", role="manager")
    draft = await pat.ok("POST", "/api/agent/articles", {**INVITE, "published": False})
    customer = await desk.customer()
    await customer.say("How do I invite a colleague to my team?")
    reply = await customer.wait_for(lambda m: "FD-" in m["text"])
    assert "/help/" not in reply["text"]
    await pat.ok("PATCH", f"/api/agent/articles/{draft['id']}", {"published": True})
    again = await desk.customer()
    await again.say("How do I invite a colleague to my team?")
    assert "Team → Members" in (await again.wait_for(offer))["text"]


async def test_agents_see_suggested_articles_and_draft_one_from_a_resolution(
    desk: LiveDesk,
) -> None:
    pat = await kb_desk(desk)
    ann = await desk.agent("ann@example.com")
    customer = await desk.customer()
    await customer.say("How can I export my tickets as a CSV file?")
    offer_message = await customer.wait_for(offer)
    await customer.say(payload=offer_message["buttons"][1]["payload"])
    await customer.wait_for(lambda m: "human agent" in m["text"])
    ticket = await ticket_of(ann, customer)
    suggested = await ann.ok("GET", f"/api/agent/tickets/{ticket['id']}/articles")
    assert suggested["suggested"][0]["title"] == "Exporting your data to CSV"
    page_status, page = await ann.call("GET", f"/console/tickets/{ticket['id']}")
    assert page_status == 200 and 'href="/help/articles/' in page
    assert "Draft a help article" not in page  # an agent, and nothing resolved yet

    status, refused = await pat.call("POST", f"/api/agent/tickets/{ticket['id']}/draft-article")
    assert status == 409 and "no resolution" in refused["error"]
    await ann.ok("POST", f"/api/agent/tickets/{ticket['id']}/claim")
    await ann.ok(
        "POST",
        f"/api/agent/tickets/{ticket['id']}/resolve",
        {"resolution": "Reports → Export → CSV needs the Reports add-on; I enabled it."},
    )
    status, _ = await ann.call("POST", f"/api/agent/tickets/{ticket['id']}/draft-article")
    assert status == 403
    _, manager_page = await pat.call("GET", f"/console/tickets/{ticket['id']}")
    assert "Draft a help article from this resolution" in manager_page
    draft = await pat.ok("POST", f"/api/agent/tickets/{ticket['id']}/draft-article")
    assert draft["published"] is False and draft["tags"] == ["from-ticket"]
    assert draft["title"] == "How can I export my tickets as a CSV file?"
    assert "needs the Reports add-on" in draft["body"]
