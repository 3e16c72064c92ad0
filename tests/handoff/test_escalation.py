"""The SLA scheduler: a ticket nobody takes is escalated exactly once, even when two
schedulers (two processes) sweep at the same moment; a customer left unanswered is flagged."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from handoff.bus import EventBus
from handoff.desk import Desk
from handoff.escalation import EscalationScheduler
from handoff.routing import RoutingConfig
from models import Priority
from store.database import Store

from .conftest import LiveDesk

CRASH = "The desktop app freezes and closes whenever I export a PDF."


async def test_two_schedulers_at_once_escalate_an_unassigned_ticket_exactly_once(
    desk: LiveDesk,
) -> None:
    customer = await desk.customer()
    tid = await customer.opens_ticket(CRASH)
    manager = await desk.agent("max@example.com", role="manager", teams=("support", "engineering"))
    before = await manager.ticket(tid)

    url = desk.fd.settings.database_url
    later = desk.fd.desk.clock() + timedelta(days=1)
    async with Store(url) as one, Store(url) as two:  # two processes' stores
        schedulers = [
            EscalationScheduler(store, Desk(bus=EventBus()), RoutingConfig())
            for store in (one, two)
        ]
        results = await asyncio.gather(*(s.sweep(later) for s in schedulers))
        again = await schedulers[0].sweep(later + timedelta(days=1))

    assert sorted(len(r.escalated) for r in results) == [0, 1]
    assert again.escalated == ()
    after = await manager.ticket(tid)
    assert after["escalated"] is True
    assert after["priority"] == Priority(before["priority"]).raised().value
    assert [e["kind"] for e in after["events"]].count("escalated") == 1
    alerts = (await manager.ok("GET", "/api/agent/notifications"))["notifications"]
    escalations = [(n["kind"], n["ticket"]) for n in alerts if n["kind"] == "escalated"]
    assert escalations == [("escalated", tid)]  # (a day later it is also past its SLA)


async def test_a_ticket_within_its_limit_or_taken_is_not_escalated(desk: LiveDesk) -> None:
    customer = await desk.customer()
    tid = await customer.opens_ticket(CRASH)
    scheduler = desk.fd.handoff.scheduler  # type: ignore[union-attr]
    assert (await scheduler.sweep()).escalated == ()
    ann = await desk.agent("ann@example.com")
    await ann.ok("POST", f"/api/agent/tickets/{tid}/claim")
    later = desk.fd.desk.clock() + timedelta(days=1)
    assert (await scheduler.sweep(later)).escalated == ()


async def test_limits_come_from_the_routing_file_else_the_first_response_target() -> None:
    config = RoutingConfig(unassigned_limits={Priority.URGENT: timedelta(minutes=10)})
    scheduler = EscalationScheduler(store=None, desk=Desk(bus=EventBus()), config=config)  # type: ignore[arg-type]
    assert scheduler.unassigned_limit(Priority.URGENT) == timedelta(minutes=10)
    assert scheduler.unassigned_limit(Priority.HIGH) == timedelta(hours=1)


async def test_a_customer_writing_again_and_again_is_flagged_once(desk: LiveDesk) -> None:
    customer = await desk.customer()
    tid = await customer.opens_ticket(CRASH)
    ann = await desk.agent("ann@example.com")
    await ann.ok("POST", f"/api/agent/tickets/{tid}/claim")
    for text in ("Hello?", "Anyone there?", "This is urgent!"):
        await customer.say(text)
    for _ in range(100):  # wait until the engine filed all three on the ticket
        messages = (await ann.ticket(tid))["messages"]
        if any("urgent!" in m["text"] for m in messages):
            break
        await asyncio.sleep(0.05)

    url = desk.fd.settings.database_url
    async with Store(url) as one, Store(url) as two:
        schedulers = [
            EscalationScheduler(store, Desk(bus=EventBus()), RoutingConfig())
            for store in (one, two)
        ]
        results = await asyncio.gather(*(s.sweep() for s in schedulers))
    assert sorted(len(r.flagged) for r in results) == [0, 1]

    queue = (await ann.ok("GET", "/api/agent/tickets"))["tickets"]
    assert next(t for t in queue if t["id"] == tid)["flags"] == ["nagging"]
    details = await ann.ticket(tid)
    assert [e["kind"] for e in details["events"]].count("flagged") == 1
    alerts = (await ann.ok("GET", "/api/agent/notifications"))["notifications"]
    assert alerts[0]["kind"] == "flagged"

    await ann.ok("POST", f"/api/agent/tickets/{tid}/messages", {"text": "Sorry, on it now."})
    assert (await ann.ticket(tid))["flags"] == []


async def test_a_ticket_past_its_resolution_target_is_flagged_and_reported_once(
    desk: LiveDesk,
) -> None:
    customer = await desk.customer()
    tid = await customer.opens_ticket(CRASH)
    ann = await desk.agent("ann@example.com")
    manager = await desk.agent("max@example.com", role="manager", teams=("support", "engineering"))
    await ann.ok("POST", f"/api/agent/tickets/{tid}/claim")
    scheduler = desk.fd.handoff.scheduler  # type: ignore[union-attr]
    assert (await scheduler.sweep()).breached == ()  # within its target

    url = desk.fd.settings.database_url
    later = desk.fd.desk.clock() + timedelta(days=4)  # past every default resolution target
    async with Store(url) as one, Store(url) as two:
        schedulers = [
            EscalationScheduler(store, Desk(bus=EventBus()), RoutingConfig())
            for store in (one, two)
        ]
        results = await asyncio.gather(*(s.sweep(later) for s in schedulers))
        again = await schedulers[0].sweep(later + timedelta(hours=1))
    assert sorted(len(r.breached) for r in results) == [0, 1]
    assert again.breached == ()
    details = await ann.ticket(tid)
    assert [e["kind"] for e in details["events"]].count("sla_breached") == 1
    assert "sla_breach" in details["flags"]
    for person in (ann, manager):
        alerts = (await person.ok("GET", "/api/agent/notifications"))["notifications"]
        assert [n["kind"] for n in alerts].count("sla_breach") == 1


async def test_escalating_brings_the_due_times_of_the_new_priority(desk: LiveDesk) -> None:
    """Before: medium -> high kept medium's 4-hour first-response target, high -> urgent still
    showed ~55 minutes left instead of 15."""
    customer = await desk.customer()
    tid = await customer.opens_ticket(CRASH)
    ann = await desk.agent("ann@example.com")
    await ann.ok("PATCH", f"/api/agent/tickets/{tid}", {"priority": "high"})
    await ann.ok("POST", f"/api/agent/tickets/{tid}/escalate", {"reason": "VIP"})
    details = await ann.ticket(tid)
    assert details["priority"] == "urgent"
    assert 14 * 60 - 30 <= details["sla"]["seconds_left"] <= 15 * 60
    due = next(e for e in details["events"] if e["kind"] == "sla_due")
    assert "urgent" in due["detail"]

    customer = await desk.customer()
    other = await customer.opens_ticket(CRASH)
    await ann.ok("PATCH", f"/api/agent/tickets/{other}", {"priority": "low"})  # 8 hours
    before = await ann.ticket(other)
    scheduler = desk.fd.handoff.scheduler  # type: ignore[union-attr]
    later = desk.fd.desk.clock() + timedelta(days=1)  # unassigned far past its limit
    assert len((await scheduler.sweep(later)).escalated) == 1
    after = await ann.ticket(other)
    assert after["priority"] == "medium"
    assert after["first_response_due"] < before["first_response_due"]  # 4 hours from now
    assert "sla_due" in [e["kind"] for e in after["events"]]
