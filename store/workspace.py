"""Repositories of the agent workspace (#12): tags, links between tickets, macros."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from models import Conversation, NotFound, TicketStatus

from . import rows
from . import tables as t

MERGED_INTO = "merged_into"
FOLLOW_UP_OF = "follow_up_of"


class TagRepository:
    """Tags on tickets (lower-case words, chosen by agents, macros and routing)."""

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def of(self, ticket_id: int) -> list[str]:
        tg = t.ticket_tags
        query = select(tg.c.tag).where(tg.c.ticket_id == ticket_id).order_by(tg.c.tag)
        return list((await self.conn.execute(query)).scalars())

    async def for_tickets(self, ticket_ids: Sequence[int]) -> dict[int, list[str]]:
        if not ticket_ids:
            return {}
        tg = t.ticket_tags
        query = (
            select(tg.c.ticket_id, tg.c.tag)
            .where(tg.c.ticket_id.in_(list(ticket_ids)))
            .order_by(tg.c.tag)
        )
        found: dict[int, list[str]] = {}
        for ticket_id, tag in (await self.conn.execute(query)).all():
            found.setdefault(ticket_id, []).append(tag)
        return found

    async def replace(self, ticket_id: int, tags: Sequence[str]) -> None:
        tg = t.ticket_tags
        await self.conn.execute(delete(tg).where(tg.c.ticket_id == ticket_id))
        if tags:
            await self.conn.execute(
                insert(tg), [{"ticket_id": ticket_id, "tag": tag} for tag in tags]
            )

    async def counts(self) -> dict[str, int]:
        tg = t.ticket_tags
        query = select(tg.c.tag, func.count()).group_by(tg.c.tag).order_by(tg.c.tag)
        return {r[0]: int(r[1]) for r in (await self.conn.execute(query)).all()}


class TicketLinkRepository:
    """One-way links between tickets: ``merged_into`` (a duplicate), ``follow_up_of``."""

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def add(self, ticket_id: int, kind: str, other_id: int, now: datetime) -> None:
        await self.conn.execute(
            insert(t.ticket_links).values(
                ticket_id=ticket_id, kind=kind, other_id=other_id, created_at=now
            )
        )

    async def of(self, ticket_id: int) -> dict[str, int]:
        lk = t.ticket_links
        query = select(lk.c.kind, lk.c.other_id).where(lk.c.ticket_id == ticket_id)
        return {r[0]: r[1] for r in (await self.conn.execute(query)).all()}

    async def pointing_at(self, other_id: int, kind: str) -> list[int]:
        lk = t.ticket_links
        query = (
            select(lk.c.ticket_id)
            .where(lk.c.other_id == other_id, lk.c.kind == kind)
            .order_by(lk.c.ticket_id)
        )
        return list((await self.conn.execute(query)).scalars())

    async def resolved_before(self, cutoff: datetime, limit: int = 500) -> list[int]:
        """Resolved tickets whose resolution is older than ``cutoff`` (auto-close), oldest first."""
        tk = t.tickets
        query = (
            select(tk.c.id)
            .where(tk.c.status == TicketStatus.RESOLVED.value, tk.c.resolved_at < cutoff)
            .order_by(tk.c.resolved_at)
            .limit(limit)
        )
        return list((await self.conn.execute(query)).scalars())

    async def set_problem(self, ticket_id: int, problem_id: int | None) -> None:
        """Link to (or unlink from) a problem by hand; spike detection links conditionally."""
        tk = t.tickets
        await self.conn.execute(
            update(tk).where(tk.c.id == ticket_id).values(problem_id=problem_id)
        )

    async def conversations_filed_on(self, ticket_id: int) -> list[Conversation]:
        """Conversations whose new messages go to ``ticket_id`` (its own, and merged ones)."""
        cv = t.conversations
        query = select(cv).where(cv.c.ticket_id == ticket_id).order_by(cv.c.id)
        return [rows.conversation(r) for r in (await self.conn.execute(query)).mappings()]

    async def move_messages(self, from_ticket: int, to_ticket: int) -> int:
        ms = t.messages
        result = await self.conn.execute(
            update(ms).where(ms.c.ticket_id == from_ticket).values(ticket_id=to_ticket)
        )
        return int(result.rowcount)


@dataclass(slots=True)
class Macro:
    """A canned reply; ``owner_id`` None means shared with every agent."""

    id: int
    name: str
    text: str
    set: dict[str, Any] = field(default_factory=dict)
    owner_id: int | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


def _macro(row: Any) -> Macro:
    return Macro(
        id=row["id"],
        name=row["name"],
        text=row["text"],
        set=dict(row["set"] or {}),
        owner_id=row["owner_id"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


class MacroRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def add(self, macro: Macro, now: datetime) -> Macro:
        result = await self.conn.execute(
            insert(t.macros)
            .values(
                name=macro.name,
                text=macro.text,
                set=macro.set or None,
                owner_id=macro.owner_id,
                created_at=now,
                updated_at=now,
            )
            .returning(t.macros.c.id)
        )
        macro.id = int(result.scalar_one())
        macro.created_at = macro.updated_at = now
        return macro

    async def get(self, macro_id: int) -> Macro:
        row = (
            (await self.conn.execute(select(t.macros).where(t.macros.c.id == macro_id)))
            .mappings()
            .first()
        )
        if row is None:
            raise NotFound(f"macro {macro_id} does not exist")
        return _macro(row)

    async def visible_to(self, agent_id: int) -> list[Macro]:
        m = t.macros
        query = (
            select(m)
            .where(or_(m.c.owner_id.is_(None), m.c.owner_id == agent_id))
            .order_by(m.c.name, m.c.id)
        )
        return [_macro(r) for r in (await self.conn.execute(query)).mappings()]

    async def save(self, macro: Macro, now: datetime) -> None:
        m = t.macros
        await self.conn.execute(
            update(m)
            .where(m.c.id == macro.id)
            .values(
                name=macro.name,
                text=macro.text,
                set=macro.set or None,
                owner_id=macro.owner_id,
                updated_at=now,
            )
        )
        macro.updated_at = now

    async def delete(self, macro_id: int) -> None:
        await self.conn.execute(delete(t.macros).where(t.macros.c.id == macro_id))


class PresenceRepository:
    """Whether an agent is available for new tickets or away (their own choice)."""

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def set_away(self, agent_id: int, away: bool) -> None:
        a = t.agents
        await self.conn.execute(update(a).where(a.c.id == agent_id).values(away=away))

    async def is_away(self, agent_id: int) -> bool:
        query = select(t.agents.c.away).where(t.agents.c.id == agent_id)
        return bool((await self.conn.execute(query)).scalar_one_or_none())
