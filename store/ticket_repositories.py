"""Repositories of tickets, their audit events, agents and CSAT ratings."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from models import (
    Agent,
    Conflict,
    CsatResponse,
    NotFound,
    Ticket,
    TicketEvent,
    TicketFilter,
    TicketStatus,
)

from . import rows
from . import tables as t
from .direct import hot
from .repositories import _Repo

# Write-path statements built once (see store/repositories.py).
_INSERT_TICKET = hot(insert(t.tickets).returning(t.tickets.c.id))
_TICKET_BY_ID = hot(select(t.tickets).where(t.tickets.c.id == bindparam("id")))
_TICKET_BY_ID_FOR_UPDATE = hot(_TICKET_BY_ID.with_for_update())
_UPDATE_TICKET = hot(update(t.tickets).where(t.tickets.c.id == bindparam("_id")))
_INSERT_EVENT = hot(insert(t.ticket_events))
_EVENT_OF_KIND = hot(
    select(t.ticket_events.c.id)
    .where(t.ticket_events.c.ticket_id == bindparam("ticket_id"))
    .where(t.ticket_events.c.kind == bindparam("kind"))
    .limit(1)
)


class TicketRepository(_Repo):
    async def add(self, ticket: Ticket) -> Ticket:
        values = rows.ticket_values(ticket)
        values.update(
            conversation_id=ticket.conversation_id,
            customer_id=ticket.customer_id,
            channel=ticket.channel.value,
            created_at=ticket.created_at,
            resolution_count=0,
        )
        result = await self.conn.execute(_INSERT_TICKET, values)
        ticket.id = result.scalar_one()
        return ticket

    async def get(self, ticket_id: int, for_update: bool = False) -> Ticket:
        query = _TICKET_BY_ID
        if for_update and self.conn.dialect.name == "postgresql":
            query = _TICKET_BY_ID_FOR_UPDATE
        row = (await self.conn.execute(query, {"id": ticket_id})).mappings().first()
        if row is None:
            from models import format_ticket_id

            raise NotFound(f"ticket {format_ticket_id(ticket_id)} does not exist")
        return rows.ticket(row)

    async def save(self, ticket: Ticket) -> None:
        await self.conn.execute(_UPDATE_TICKET, {"_id": ticket.id, **rows.ticket_values(ticket)})

    async def bump_resolution_round(self, ticket_id: int) -> int:
        result = await self.conn.execute(
            update(t.tickets)
            .where(t.tickets.c.id == ticket_id)
            .values(resolution_count=t.tickets.c.resolution_count + 1)
            .returning(t.tickets.c.resolution_count)
        )
        return int(result.scalar_one())

    async def resolution_round(self, ticket_id: int) -> int:
        query = select(t.tickets.c.resolution_count).where(t.tickets.c.id == ticket_id)
        return int((await self.conn.execute(query)).scalar_one())

    async def list(self, flt: TicketFilter) -> list[Ticket]:
        query = select(t.tickets)
        if flt.statuses:
            query = query.where(t.tickets.c.status.in_([s.value for s in flt.statuses]))
        if flt.open_only:
            closed = [TicketStatus.RESOLVED.value, TicketStatus.CLOSED.value]
            query = query.where(t.tickets.c.status.not_in(closed))
        if flt.assignee_id is not None:
            query = query.where(t.tickets.c.assignee_id == flt.assignee_id)
        if flt.unassigned:
            query = query.where(t.tickets.c.assignee_id.is_(None))
        if flt.type:
            query = query.where(t.tickets.c.type == flt.type)
        if flt.priority:
            query = query.where(t.tickets.c.priority == flt.priority)
        if flt.team:
            query = query.where(t.tickets.c.team == flt.team)
        if flt.channel:
            query = query.where(t.tickets.c.channel == flt.channel)
        if flt.customer_ids:
            query = query.where(t.tickets.c.customer_id.in_(list(flt.customer_ids)))
        if flt.ids is not None:
            query = query.where(t.tickets.c.id.in_(list(flt.ids)))
        if flt.tag:
            tg = t.ticket_tags
            query = query.where(
                t.tickets.c.id.in_(select(tg.c.ticket_id).where(tg.c.tag == flt.tag))
            )
        query = query.order_by(t.tickets.c.id.desc()).limit(flt.limit)
        return [rows.ticket(r) for r in (await self.conn.execute(query)).mappings()]

    async def open_count_by_assignee(self) -> dict[int, int]:
        closed = [TicketStatus.RESOLVED.value, TicketStatus.CLOSED.value]
        query = (
            select(t.tickets.c.assignee_id, func.count())
            .where(t.tickets.c.assignee_id.is_not(None), t.tickets.c.status.not_in(closed))
            .group_by(t.tickets.c.assignee_id)
        )
        return {r[0]: int(r[1]) for r in (await self.conn.execute(query)).all()}


class EventRepository(_Repo):
    async def add(self, event: TicketEvent) -> None:
        await self.conn.execute(
            _INSERT_EVENT,
            {
                "ticket_id": event.ticket_id,
                "actor": event.actor,
                "kind": event.kind,
                "old": event.old,
                "new": event.new,
                "detail": event.detail,
                "created_at": event.created_at,
            },
        )

    async def add_all(self, events: Sequence[TicketEvent]) -> None:
        for event in events:
            await self.add(event)

    async def for_ticket(self, ticket_id: int) -> list[TicketEvent]:
        query = (
            select(t.ticket_events)
            .where(t.ticket_events.c.ticket_id == ticket_id)
            .order_by(t.ticket_events.c.id)
        )
        return [rows.event(r) for r in (await self.conn.execute(query)).mappings()]

    async def has_kind(self, ticket_id: int, kind: str) -> bool:
        params = {"ticket_id": ticket_id, "kind": kind}
        return (await self.conn.execute(_EVENT_OF_KIND, params)).first() is not None


class AgentRepository(_Repo):
    async def add(self, agent: Agent, now: datetime) -> Agent:
        try:
            result = await self.conn.execute(
                insert(t.agents)
                .values(
                    email=agent.email,
                    name=agent.name,
                    role=agent.role.value,
                    password_hash=agent.password_hash,
                    skills=list(agent.skills),
                    teams=list(agent.teams),
                    capacity=agent.capacity,
                    active=agent.active,
                    online=False,
                    created_at=now,
                )
                .returning(t.agents.c.id)
            )
        except IntegrityError as exc:  # a taken email: a conflict with what exists (409)
            raise Conflict(f"an agent with email {agent.email} already exists") from exc
        agent.id = result.scalar_one()
        agent.created_at = now
        return agent

    async def get(self, agent_id: int) -> Agent:
        row = (
            (await self.conn.execute(select(t.agents).where(t.agents.c.id == agent_id)))
            .mappings()
            .first()
        )
        if row is None:
            raise NotFound(f"agent {agent_id} does not exist")
        return rows.agent(row)

    async def by_email(self, email: str) -> Agent | None:
        query = select(t.agents).where(func.lower(t.agents.c.email) == email.strip().lower())
        row = (await self.conn.execute(query)).mappings().first()
        return rows.agent(row) if row else None

    async def list(self) -> list[Agent]:
        query = select(t.agents).order_by(t.agents.c.id)
        return [rows.agent(r) for r in (await self.conn.execute(query)).mappings()]

    async def set_online(self, agent_id: int, online: bool, now: datetime) -> None:
        await self.conn.execute(
            update(t.agents)
            .where(t.agents.c.id == agent_id)
            .values(online=online, last_seen_at=now)
        )

    async def save(self, agent: Agent) -> None:
        await self.conn.execute(
            update(t.agents)
            .where(t.agents.c.id == agent.id)
            .values(
                name=agent.name,
                role=agent.role.value,
                password_hash=agent.password_hash,
                skills=list(agent.skills),
                teams=list(agent.teams),
                capacity=agent.capacity,
                active=agent.active,
            )
        )


class CsatRepository(_Repo):
    async def add(self, response: CsatResponse, resolution_round: int) -> bool:
        """Store a rating; False when this resolution was already rated (kept the first)."""
        exists = select(t.csat_responses.c.id).where(
            t.csat_responses.c.ticket_id == response.ticket_id,
            t.csat_responses.c.resolution_round == resolution_round,
        )
        if (await self.conn.execute(exists)).first() is not None:
            return False
        await self.conn.execute(
            insert(t.csat_responses).values(
                ticket_id=response.ticket_id,
                resolution_round=resolution_round,
                score=response.score,
                comment=response.comment,
                created_at=response.created_at,
            )
        )
        return True

    async def add_comment(self, ticket_id: int, resolution_round: int, comment: str) -> bool:
        result = await self.conn.execute(
            update(t.csat_responses)
            .where(
                t.csat_responses.c.ticket_id == ticket_id,
                t.csat_responses.c.resolution_round == resolution_round,
                t.csat_responses.c.comment.is_(None),
            )
            .values(comment=comment[:2000])
        )
        return bool(result.rowcount)

    async def latest(self, ticket_id: int) -> CsatResponse | None:
        query = (
            select(t.csat_responses)
            .where(t.csat_responses.c.ticket_id == ticket_id)
            .order_by(t.csat_responses.c.resolution_round.desc())
            .limit(1)
        )
        row = (await self.conn.execute(query)).mappings().first()
        return rows.csat(row) if row else None
