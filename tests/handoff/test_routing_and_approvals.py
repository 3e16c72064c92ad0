"""Routing sends a handed-off ticket to a team and its least-loaded online agent; change
requests wait for a manager's approval; agents' corrections become training labels."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from handoff.routing import RoutingConfig, load_routing, parse_routing, pick_agent
from models import Agent, AgentRole, ValidationError

from .conftest import LiveDesk

CRASH = "The desktop app freezes and closes whenever I export a PDF."


def test_the_shipped_routing_file_parses_and_first_matching_rule_wins() -> None:
    config = load_routing()
    assert config.default_team == "support"
    assert config.team_for({"intent": "payment_error", "priority": "high"}) == "billing"
    assert config.team_for({"intent": "app_crash", "priority": "high"}) == "engineering"
    assert config.team_for({"intent": "app_crash", "priority": "low"}, "accounts") == "accounts"
    assert config.team_for({"intent": "unknown", "priority": "low"}) == "support"
    assert config.nag_threshold == 3


def test_a_broken_routing_file_is_refused_with_its_reason() -> None:
    with pytest.raises(ValidationError, match="rule 1 needs a team"):
        parse_routing({"rules": [{"intent": "x"}]})
    with pytest.raises(ValidationError, match="unknown keys"):
        parse_routing({"rules": [{"team": "a", "colour": "red"}]})
    with pytest.raises(ValidationError, match="unknown priority"):
        parse_routing({"escalation": {"unassigned_minutes": {"asap": 1}}})


def _agent(id: int, teams: tuple[str, ...], capacity: int = 2) -> Agent:
    return Agent(id, f"a{id}@x.io", f"a{id}", AgentRole.AGENT, "", teams=teams, capacity=capacity)


def test_the_least_loaded_agent_of_the_team_under_capacity_gets_the_ticket() -> None:
    agents = [_agent(1, ("desk",)), _agent(2, ("desk",)), _agent(3, ("other",))]
    assert pick_agent(agents, {1: 1, 2: 0}, "desk") == agents[1]
    assert pick_agent(agents, {1: 1, 2: 1}, "desk") == agents[0]  # tie: the longest here
    assert pick_agent(agents, {1: 2, 2: 2}, "desk") is None  # all full: the queue
    assert pick_agent(agents, {}, "nobody") is None


async def test_handoff_assigns_to_an_online_agent_of_the_team_until_capacity(
    make_desk: Any, sqlite_url: str, tmp_path: Path
) -> None:
    rules = tmp_path / "routing.toml"
    rules.write_text('default_team = "desk"\n[[rules]]\nchannel = "web"\nteam = "desk"\n')
    desk: LiveDesk = await make_desk(sqlite_url, routing_file=str(rules))
    ann = await desk.agent("ann@example.com", teams=("desk",), capacity=1)  # logged in: online

    first = await (await desk.customer()).opens_ticket(CRASH)
    second = await (await desk.customer()).opens_ticket("Our API answers 503 since noon.")

    one, two = await ann.ticket(first), await ann.ticket(second)
    assert (one["team"], one["assignee"], one["status"]) == ("desk", "ann@example.com", "assigned")
    assert any(e["kind"] == "assigned" and e["actor"] == "system" for e in one["events"])
    assert (two["team"], two["assignee"], two["status"]) == ("desk", None, "new")

    await ann.ok("POST", "/api/agent/logout")  # offline agents get nothing
    ben = await desk.agent("ben@example.com", teams=("desk",))
    await ben.ok("POST", "/api/agent/logout")
    third = await (await desk.customer()).opens_ticket(
        "The app crashes when I click the export button."
    )
    max_ = await desk.agent("max@example.com", role="manager", teams=("elsewhere",))
    assert (await max_.ticket(third))["assignee"] is None


async def test_a_change_request_waits_for_a_manager_and_the_customer_is_told(
    desk: LiveDesk,
) -> None:
    customer = await desk.customer()
    tid = await customer.opens_ticket(CRASH)
    ann = await desk.agent("ann@example.com")
    max_ = await desk.agent("max@example.com", role="manager")

    await ann.ok("PATCH", f"/api/agent/tickets/{tid}", {"type": "change_request"})
    claimed = await ann.ok("POST", f"/api/agent/tickets/{tid}/claim")
    assert claimed["ticket"]["status"] == "pending_approval"
    await customer.wait_for(lambda m: "needs a manager's approval" in m["text"])
    alerts = (await max_.ok("GET", "/api/agent/notifications"))["notifications"]
    assert [a["kind"] for a in alerts] == ["approval_requested"]

    approved = await max_.ok("POST", f"/api/agent/tickets/{tid}/approve", {"reason": "ok"})
    assert approved["ticket"]["status"] == "in_progress"
    await customer.wait_for(lambda m: "has been approved" in m["text"])
    events = [e["kind"] for e in (await ann.ticket(tid))["events"]]
    assert "approval_requested" in events and "approved" in events


async def test_a_rejected_change_request_is_closed_with_the_reason(desk: LiveDesk) -> None:
    customer = await desk.customer()
    tid = await customer.opens_ticket(CRASH)
    ann = await desk.agent("ann@example.com")
    max_ = await desk.agent("max@example.com", role="manager")
    await ann.ok("PATCH", f"/api/agent/tickets/{tid}", {"type": "change_request"})
    await ann.ok("POST", f"/api/agent/tickets/{tid}/request-approval")
    status, refused = await ann.call(
        "POST", f"/api/agent/tickets/{tid}/resolve", {"resolution": "x"}
    )
    assert status == 409 and "approves or rejects" in refused["error"]
    assert (await max_.call("POST", f"/api/agent/tickets/{tid}/reject", {}))[0] == 400
    rejected = await max_.ok(
        "POST", f"/api/agent/tickets/{tid}/reject", {"reason": "Not in this plan."}
    )
    assert rejected["ticket"]["status"] == "resolved"
    await customer.wait_for(lambda m: "not approved" in m["text"] and "this plan" in m["text"])


async def test_field_changes_are_audited_and_kept_as_training_labels(desk: LiveDesk) -> None:
    customer = await desk.customer()
    tid = await customer.opens_ticket(CRASH)
    ann = await desk.agent("ann@example.com")
    before = await ann.ticket(tid)
    changed = await ann.ok(
        "PATCH",
        f"/api/agent/tickets/{tid}",
        {"priority": "urgent", "intent": "export_bug", "type": "problem"},
    )
    assert changed["ticket"]["priority"] == "urgent"
    assert changed["ticket"]["first_response_due"] < before["first_response_due"]
    kinds = [e["kind"] for e in (await ann.ticket(tid))["events"]]
    assert {"field:priority", "field:intent", "field:type"} <= set(kinds)
    labels = await desk.fd.store.read(lambda uow: uow.labels.list())
    assert [(lb.source, lb.intent, lb.type, lb.priority) for lb in labels] == [
        ("agent", "export_bug", "problem", "urgent")
    ]
    assert labels[0].text == CRASH

    await ann.ok("POST", f"/api/agent/tickets/{tid}/claim")
    moved = await ann.ok("PATCH", f"/api/agent/tickets/{tid}", {"status": "waiting_on_customer"})
    assert moved["ticket"]["status"] == "waiting_on_customer"
    await customer.say("Here is the file you asked for.")
    for _ in range(100):
        if (await ann.ticket(tid))["status"] == "in_progress":
            break
        await asyncio.sleep(0.05)
    assert (await ann.ticket(tid))["status"] == "in_progress"


async def test_release_gives_the_conversation_back_to_the_bot(desk: LiveDesk) -> None:
    customer = await desk.customer()
    tid = await customer.opens_ticket(CRASH)
    ann = await desk.agent("ann@example.com")
    await ann.ok("POST", f"/api/agent/tickets/{tid}/claim")
    released = await ann.ok("POST", f"/api/agent/tickets/{tid}/release")
    assert (released["ticket"]["status"], released["ticket"]["assignee"]) == ("new", None)
    assert (await ann.ticket(tid))["conversation_state"] == "with_bot"
    await customer.say("Hello again?")
    await customer.wait_for(
        lambda m: m["sender"] == "bot" and "added this to your ticket" in m["text"]
    )


async def test_similar_resolved_tickets_are_offered_with_their_resolution(desk: LiveDesk) -> None:
    ann = await desk.agent("ann@example.com")
    old = await (await desk.customer()).opens_ticket("The app crashes when I export a PDF report.")
    await ann.ok("POST", f"/api/agent/tickets/{old}/resolve", {"resolution": "Update to 2.4.1."})
    unrelated = await (await desk.customer()).opens_ticket("How do I add a colleague to our team?")
    await ann.ok("POST", f"/api/agent/tickets/{unrelated}/resolve", {"resolution": "Settings."})

    new = await (await desk.customer()).opens_ticket(CRASH)
    similar = (await ann.ticket(new))["similar"]
    assert similar[0]["id"] == old
    assert similar[0]["resolution"] == "Update to 2.4.1."
    assert unrelated not in [s["id"] for s in similar]


def test_routing_config_defaults() -> None:
    assert RoutingConfig().team_for({}) == "support"
