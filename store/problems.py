"""Problem detection's queries: the incidents spike detection reads, and the claim that keeps
one open problem ticket per intent (``uow.problems``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from models import Conflict, TicketType

from . import tables as t

T = t.tickets


@dataclass(frozen=True, slots=True)
class IncidentRow:
    id: int
    intent: str
    description: str
    problem_id: int | None
    customer_id: int
    created_at: datetime


class ProblemQueries:
    """What spike detection reads, and the claim that keeps one open problem per intent
    (``uow.problems``). The claim is a row keyed by intent in ``open_problems``: inserting it is
    how a process wins the right to open the problem, so two processes never open two."""

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def incidents(
        self, since: datetime, until: datetime, limit: int = 5000
    ) -> list[IncidentRow]:
        """Incidents created in ``[since, until)``, newest first, at most ``limit``."""
        query = (
            select(
                T.c.id,
                T.c.intent,
                T.c.description,
                T.c.problem_id,
                T.c.customer_id,
                T.c.created_at,
            )
            .where(
                T.c.type == TicketType.INCIDENT.value,
                T.c.created_at >= since,
                T.c.created_at < until,
            )
            .order_by(T.c.created_at.desc())
            .limit(limit)
        )
        return [IncidentRow(*r) for r in (await self.conn.execute(query)).all()]

    async def incident_counts_by_intent(self, since: datetime, until: datetime) -> dict[str, int]:
        query = (
            select(T.c.intent, func.count())
            .where(
                T.c.type == TicketType.INCIDENT.value,
                T.c.created_at >= since,
                T.c.created_at < until,
            )
            .group_by(T.c.intent)
        )
        return {r[0]: int(r[1]) for r in (await self.conn.execute(query)).all()}

    async def open_problem_for(self, intent: str) -> int | None:
        query = select(t.open_problems.c.problem_id).where(t.open_problems.c.intent == intent)
        return (await self.conn.execute(query)).scalar_one_or_none()

    async def claim(self, intent: str, problem_id: int, now: datetime) -> None:
        """Record ``problem_id`` as the open problem of ``intent``; raises :class:`Conflict` if
        another process recorded one first (its write fails, and it links to that one later)."""
        try:
            await self.conn.execute(
                insert(t.open_problems).values(intent=intent, problem_id=problem_id, created_at=now)
            )
        except IntegrityError as exc:
            raise Conflict(f"intent {intent} has an open problem already") from exc

    async def release(self, problem_id: int) -> None:
        await self.conn.execute(
            delete(t.open_problems).where(t.open_problems.c.problem_id == problem_id)
        )

    async def link(self, incident_ids: Sequence[int], problem_id: int) -> list[int]:
        """Link the incidents not yet linked to any problem; returns the ids it linked.

        Conditional (``problem_id IS NULL``), so concurrent detectors never relink a ticket.
        """
        linked: list[int] = []
        for incident_id in incident_ids:
            result = await self.conn.execute(
                update(T)
                .where(T.c.id == incident_id, T.c.problem_id.is_(None), T.c.id != problem_id)
                .values(problem_id=problem_id)
            )
            if result.rowcount:
                linked.append(incident_id)
        return linked

    async def linked(self, problem_id: int) -> list[int]:
        query = select(T.c.id).where(T.c.problem_id == problem_id).order_by(T.c.id)
        return list((await self.conn.execute(query)).scalars())
