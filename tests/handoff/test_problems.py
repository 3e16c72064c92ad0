"""A burst of similar incidents opens exactly one problem ticket; resolving it tells each
linked customer exactly once, on their own conversation."""

from __future__ import annotations

import asyncio

from handoff.bus import TICKETS_TOPIC
from handoff.desk import Desk
from handoff.problems import SpikeWatcher, resolve_problem
from models import Direction, Priority, TicketStatus, TicketType, ValidationError
from store.database import Store
from store.migrate import upgrade
from store.unit_of_work import UnitOfWork

from .metrics_scenario import Day
from .test_spikes import BURST

MIN = 60


async def burst_day(store: Store) -> Day:
    """Usual noise over the past days, then six 'checkout error 500' incidents in ten minutes
    from five customers (one writes twice), and one unrelated incident."""
    day = Day(store)
    for i, text in enumerate(["I cannot log in", "The app crashed on start", "refund please"]):
        await day.open(f"old{i}", -86400 * (i + 1), TicketType.INCIDENT, Priority.MEDIUM, text=text)
    intents = ["payment_error"] * 4 + ["system_downtime"] * 2
    customers = ["c1", "c2", "c3", "c4", "c5", "c1"]
    for i, (intent, text, who) in enumerate(zip(intents, BURST, customers, strict=True)):
        await day.open(
            f"b{i}", i * 2 * MIN, TicketType.INCIDENT, Priority.HIGH, intent=intent, text=text,
            customer_name=who,
        )  # fmt: skip
    await day.open("other", 5 * MIN, TicketType.INCIDENT, Priority.LOW, intent="login_failure",
                   text="Password reset mail never arrives")  # fmt: skip
    day.clock.at(12 * MIN)
    return day


def watcher(day: Day) -> SpikeWatcher:
    return SpikeWatcher(day.store, Desk(day.desk.bus, clock=day.clock))


async def problems(store: Store) -> list[tuple[int, str, list[int]]]:
    async def read(uow: UnitOfWork) -> list[tuple[int, str, list[int]]]:
        from models import TicketFilter

        found = await uow.tickets.list(TicketFilter(type=TicketType.PROBLEM.value))
        return [(p.id, p.status.value, await uow.problems.linked(p.id)) for p in found]

    return await store.read(read)


async def test_a_burst_opens_one_problem_linking_every_incident(database_url: str) -> None:
    await upgrade(database_url)
    async with Store(database_url) as store:
        day = await burst_day(store)
        burst = [day.tickets[f"b{i}"] for i in range(6)]
        job = watcher(day)
        notified = job.desk.bus.subscribe(TICKETS_TOPIC)
        (outcome,) = await job.check()
        assert outcome.created and sorted(outcome.linked) == burst
        ((problem_id, status, linked),) = await problems(store)
        assert (status, linked) == ("new", burst)
        assert problem_id == outcome.problem_id
        seen = set()
        while not notified.empty():
            seen.add(notified.get_nowait())
        assert set(burst) | {problem_id} <= seen  # agents' views refresh

        async def audit(uow: UnitOfWork) -> tuple[list[str], list[str], str]:
            incident = await uow.events.for_ticket(burst[0])
            problem = await uow.tickets.get(problem_id)
            notes = await uow.messages.for_ticket(problem)
            return [e.kind for e in incident], [m.text for m in notes if m.internal], problem.intent

        kinds, notes, intent = await store.read(audit)
        assert "problem_linked" in kinds
        assert intent == "payment_error" and len(notes) == 1 and "Spike detected" in notes[0]

        # Running again changes nothing; a later similar incident joins the same problem.
        assert await job.check() == []
        await day.open("late", 14 * MIN, TicketType.INCIDENT, Priority.HIGH,
                       intent="payment_error", text="checkout error 500 when paying")  # fmt: skip
        day.clock.at(15 * MIN)
        (again,) = await job.check()
        assert not again.created and again.linked == (day.tickets["late"],)
        assert [p[0] for p in await problems(store)] == [problem_id]


async def test_two_watchers_at_once_open_one_problem(database_url: str) -> None:
    await upgrade(database_url)
    async with Store(database_url) as one, Store(database_url) as two:
        day = await burst_day(one)
        other = Day(two, clock=day.clock)
        results = await asyncio.gather(watcher(day).check(), watcher(other).check())
        assert sum(len(r) for r in results) >= 1
        ((_, _, linked),) = await problems(one)
        assert linked == [day.tickets[f"b{i}"] for i in range(6)]


async def test_resolving_the_problem_tells_each_customer_once(database_url: str) -> None:
    await upgrade(database_url)
    async with Store(database_url) as store:
        day = await burst_day(store)
        (outcome,) = await watcher(day).check()
        burst = [day.tickets[f"b{i}"] for i in range(6)]
        await day.resolve("b2", 20 * MIN)  # one was already fixed on its own
        day.clock.at(30 * MIN)
        desk = Desk(day.desk.bus, clock=day.clock)

        async def resolve(uow: UnitOfWork) -> list[int]:
            problem = await uow.tickets.get(outcome.problem_id)
            return await resolve_problem(uow, desk, problem, "Checkout is fixed.", "agent:1")

        resolved = await store.write(resolve)
        assert sorted(resolved) == [t for t in burst if t != day.tickets["b2"]]

        async def told(uow: UnitOfWork) -> dict[int, list[str]]:
            out: dict[int, list[str]] = {}
            for ticket_id in burst:
                ticket = await uow.tickets.get(ticket_id)
                assert ticket.status is TicketStatus.RESOLVED
                messages = await uow.messages.in_conversation(ticket.conversation_id)
                out.setdefault(ticket.customer_id, []).extend(
                    m.text for m in messages
                    if m.direction is Direction.OUTBOUND and "Checkout is fixed" in m.text
                )  # fmt: skip
            problem = await uow.tickets.get(outcome.problem_id)
            assert problem.status is TicketStatus.RESOLVED
            assert await uow.problems.open_problem_for("payment_error") is None
            return out

        per_customer = await store.read(told)
        assert len(per_customer) == 5
        c3 = day.tickets["b2"]
        for customer_id, texts in per_customer.items():
            expected = (
                0
                if customer_id == (await store.read(lambda u: u.tickets.get(c3))).customer_id
                else 1
            )
            assert len(texts) == expected, (customer_id, texts)

        async def again(uow: UnitOfWork) -> None:
            problem = await uow.tickets.get(outcome.problem_id)
            await resolve_problem(uow, desk, problem, "again", "agent:1")

        try:
            await store.write(again)
        except Exception as exc:  # resolving twice is refused by the lifecycle
            assert "resolve" in str(exc)
        else:
            raise AssertionError("a resolved problem was resolved again")


async def test_only_problem_tickets_resolve_as_problems(sqlite_url: str) -> None:
    await upgrade(sqlite_url)
    async with Store(sqlite_url) as store:
        day = await burst_day(store)
        desk = day.desk

        async def resolve(uow: UnitOfWork) -> None:
            ticket = await uow.tickets.get(day.tickets["b0"])
            await resolve_problem(uow, desk, ticket, "nope", "agent:1")

        try:
            await store.write(resolve)
        except ValidationError as exc:
            assert "not a problem ticket" in str(exc)
        else:
            raise AssertionError("an incident was resolved as a problem")


async def test_a_resolved_problem_is_not_followed_by_an_empty_one(database_url: str) -> None:
    """Before: right after the problem was resolved, the watcher opened a new problem for the
    same incidents (still inside the window) and linked none of them, again after each
    resolution."""
    await upgrade(database_url)
    async with Store(database_url) as store:
        day = await burst_day(store)
        job = watcher(day)
        (outcome,) = await job.check()

        async def resolve(uow: UnitOfWork) -> list[int]:
            problem = await uow.tickets.get(outcome.problem_id)
            return await resolve_problem(uow, job.desk, problem, "Checkout is fixed.", "agent:1")

        await store.write(resolve)
        day.clock.at(16 * MIN)
        assert await job.check() == []
        assert [p[0] for p in await problems(store)] == [outcome.problem_id]
