"""A scripted support day with known timestamps, and the report it must give (docs/metrics.md).

Built through the desk and the store, as the bot and the agents would, with an injected clock.
Times are seconds after T0 (Monday 2026-03-02 09:00 UTC); default SLA targets apply.

    A incident/high    web  ann  reply +600   resolved +7200            CSAT 5
    B incident/medium  web  ann  reply +1800  escalated, resolved +93600 (misses 24 h) CSAT 2
    C service/low      web  bot  bot reply +5, resolved by the bot +60  CSAT 4
    D incident/urgent  web  bob  reply +1200 (misses 15 min), resolved +3600, reopened +7200,
                                 resolved again +10800              CSAT 1 then 3
    E incident/low     web  -    open, created T0+25h: no SLA target due yet at NOW
    F incident/urgent  web  -    open, created T0+4.5h: first response missed at NOW
    P problem          -    -    (problem tickets are not counted)
    Z incident         created the day before: outside the period
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from models import (
    Agent,
    AgentRole,
    ChannelKind,
    Conversation,
    CsatResponse,
    Prediction,
    Priority,
    SenderKind,
    Ticket,
    TicketAction,
    TicketEvent,
    TicketType,
)
from models.metrics import ReportPeriod
from service.bus import EventBus
from service.desk import Desk
from store.database import Store
from store.unit_of_work import UnitOfWork

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
NOW = T0 + timedelta(hours=30)
PERIOD = ReportPeriod(
    datetime(2026, 3, 2, tzinfo=UTC), datetime(2026, 3, 4, tzinfo=UTC)
)  # --since 2026-03-02 --until 2026-03-03


@dataclass
class Clock:
    base: datetime = T0
    now: datetime = T0

    def __call__(self) -> datetime:
        return self.now

    def at(self, seconds: float) -> None:
        self.now = self.base + timedelta(seconds=seconds)


@dataclass
class Day:
    store: Store
    clock: Clock = field(default_factory=Clock)
    tickets: dict[str, int] = field(default_factory=dict)
    agents: dict[str, int] = field(default_factory=dict)

    @property
    def desk(self) -> Desk:
        return Desk(EventBus(), clock=self.clock)

    async def agent(self, email: str) -> int:
        async def add(uow: UnitOfWork) -> int:
            agent = Agent(0, email, email.split("@")[0], AgentRole.AGENT, "x")
            return (await uow.agents.add(agent, self.clock())).id

        self.agents[email] = await self.store.write(add)
        return self.agents[email]

    async def open(
        self,
        name: str,
        at: float,
        type_: TicketType,
        priority: Priority,
        team: str | None = "support",
        intent: str = "app_crash",
        text: str | None = None,
        customer_name: str | None = None,
    ) -> int:
        self.clock.at(at)
        desk = self.desk

        async def work(uow: UnitOfWork) -> int:
            customer = await uow.customers.get_or_create(
                ChannelKind.WEB, f"c-{customer_name or name}", desk.clock()
            )
            conversation = await uow.conversations.add(
                Conversation(0, ChannelKind.WEB, customer.id, f"session-{name}"), desk.clock()
            )
            prediction = Prediction(intent, type_, priority, 0.9, team=team)
            ticket = await desk.open_ticket(
                uow, conversation, customer, text or f"ticket {name}", prediction
            )
            return ticket.id

        self.tickets[name] = await self.store.write(work)
        return self.tickets[name]

    async def _on(self, name: str, at: float, fn: Any) -> Any:
        self.clock.at(at)
        desk = self.desk

        async def work(uow: UnitOfWork) -> Any:
            ticket = await uow.tickets.get(self.tickets[name])
            return await fn(uow, desk, ticket)

        return await self.store.write(work)

    async def assign(self, name: str, at: float, agent: str) -> None:
        async def fn(uow: UnitOfWork, desk: Desk, ticket: Ticket) -> None:
            ticket.assignee_id = self.agents[agent]
            await desk.transition(uow, ticket, TicketAction.ASSIGN, f"agent:{ticket.assignee_id}")

        await self._on(name, at, fn)

    async def reply(self, name: str, at: float, sender: SenderKind = SenderKind.AGENT) -> None:
        async def fn(uow: UnitOfWork, desk: Desk, ticket: Ticket) -> None:
            conversation = await uow.conversations.get(ticket.conversation_id)
            await desk.say(uow, conversation, "On it.", sender=sender, ticket_id=ticket.id)
            await desk.record_first_response(uow, ticket)

        await self._on(name, at, fn)

    async def escalate(self, name: str, at: float) -> None:
        async def fn(uow: UnitOfWork, desk: Desk, ticket: Ticket) -> None:
            ticket.escalated = True
            await uow.tickets.save(ticket)
            await uow.events.add(
                TicketEvent(
                    ticket.id, "system", "escalated", detail="test", created_at=desk.clock()
                )
            )

        await self._on(name, at, fn)

    async def resolve(self, name: str, at: float, *, bot: bool = False) -> None:
        async def fn(uow: UnitOfWork, desk: Desk, ticket: Ticket) -> None:
            await desk.resolve(
                uow, ticket, "Fixed.", "bot" if bot else "agent:1", auto_fulfilled=bot
            )

        await self._on(name, at, fn)

    async def reopen(self, name: str, at: float) -> None:
        async def fn(uow: UnitOfWork, desk: Desk, ticket: Ticket) -> None:
            await desk.reopen(uow, ticket, "customer", "not fixed")

        await self._on(name, at, fn)

    async def rate(self, name: str, at: float, score: int) -> None:
        async def fn(uow: UnitOfWork, desk: Desk, ticket: Ticket) -> None:
            round_ = await uow.tickets.resolution_round(ticket.id)
            response = CsatResponse(ticket.id, score, created_at=desk.clock())
            assert await uow.csat.add(response, round_)

        await self._on(name, at, fn)


async def build_day(store: Store) -> Day:
    day = Day(store)
    await day.agent("ann@example.com")
    await day.agent("bob@example.com")
    h = 3600
    await day.open("Z", -24 * h, TicketType.INCIDENT, Priority.HIGH)
    await day.open("A", 0, TicketType.INCIDENT, Priority.HIGH)
    await day.assign("A", 60, "ann@example.com")
    await day.reply("A", 600)
    await day.resolve("A", 2 * h)
    await day.rate("A", 2 * h + 30, 5)
    await day.open("B", 1 * h, TicketType.INCIDENT, Priority.MEDIUM, team="billing")
    await day.assign("B", 1 * h + 60, "ann@example.com")
    await day.reply("B", 1 * h + 1800)
    await day.escalate("B", 1 * h + 2000)
    await day.resolve("B", 1 * h + 93600)
    await day.rate("B", 1 * h + 93700, 2)
    await day.open("C", 2 * h, TicketType.SERVICE_REQUEST, Priority.LOW, intent="password_reset")
    await day.reply("C", 2 * h + 5, sender=SenderKind.BOT)
    await day.resolve("C", 2 * h + 60, bot=True)
    await day.rate("C", 2 * h + 90, 4)
    await day.open("D", 3 * h, TicketType.INCIDENT, Priority.URGENT)
    await day.assign("D", 3 * h + 30, "bob@example.com")
    await day.reply("D", 3 * h + 1200)
    await day.resolve("D", 3 * h + 3600)
    await day.rate("D", 3 * h + 3700, 1)
    await day.reopen("D", 3 * h + 7200)
    await day.resolve("D", 3 * h + 10800)
    await day.rate("D", 3 * h + 10900, 3)
    await day.open("E", 25 * h, TicketType.INCIDENT, Priority.LOW)
    await day.open("F", 4.5 * h, TicketType.INCIDENT, Priority.URGENT)
    await day.open("P", 5 * h, TicketType.PROBLEM, Priority.HIGH, team=None)
    return day


EXPECTED: dict[str, Any] = {
    "first_response_time": {"median_s": 900.0, "p90_s": 1620.0, "mean_s": 901.25, "count": 4},
    "resolution_time": {"median_s": 9000.0, "p90_s": 68760.0, "mean_s": 27915.0, "count": 4},
    "first_contact_resolution_rate": 0.75,
    "volume": 6,
    "escalation_rate": 1 / 6,
    "csat": {"mean": 3.0, "satisfied_share": 0.4, "responses": 5},
    "automation_rate": 1 / 6,
    "self_service_rate": 0.0,
    "sla_compliance": 0.4,
}

EXPECTED_BY_TYPE_VOLUME = {"incident": 5, "service_request": 1}
EXPECTED_BY_AGENT_VOLUME = {"(unassigned)": 3, "ann@example.com": 2, "bob@example.com": 1}
