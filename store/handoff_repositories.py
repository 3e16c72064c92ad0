"""Repositories of the handoff: agent sessions, login throttling, console
notifications, ticket flags, and the queries escalation, routing and the console need."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, delete, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from models import Agent, Priority, SenderKind, Ticket, TicketStatus

from . import rows
from . import tables as t
from .direct import hot

_ONLINE_AGENTS = hot(
    select(t.agents).where(  # routing reads it for every ticket: built once
        t.agents.c.active.is_(True),
        t.agents.c.online.is_(True),
        t.agents.c.away.is_(False),  # an agent who said "away" gets no new tickets
        t.agents.c.last_seen_at >= bindparam("since"),
    )
)

CLOSED = (TicketStatus.RESOLVED.value, TicketStatus.CLOSED.value)


@dataclass(frozen=True, slots=True)
class Notice:
    """Something an agent is told about while not looking: ``kind`` "new" (a ticket handed to
    one of their teams; ``id`` is the hand-off event's) or "reply" (a customer wrote on their
    ticket; ``id`` is the message's)."""

    kind: str
    id: int
    ticket_id: int
    text: str


class _Repo:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn


@dataclass(frozen=True, slots=True)
class AgentSession:
    agent: Agent
    csrf_token: str
    expires_at: datetime


class AgentSessionRepository(_Repo):
    """Server-side console sessions; only a hash of the cookie's token is stored."""

    async def add(
        self, token_hash: str, agent_id: int, csrf_token: str, now: datetime, expires: datetime
    ) -> None:
        await self.conn.execute(
            insert(t.agent_sessions).values(
                token_hash=token_hash,
                agent_id=agent_id,
                csrf_token=csrf_token,
                created_at=now,
                expires_at=expires,
            )
        )

    async def get(self, token_hash: str, now: datetime) -> AgentSession | None:
        query = (
            select(t.agents, t.agent_sessions.c.csrf_token, t.agent_sessions.c.expires_at)
            .join(t.agents, t.agents.c.id == t.agent_sessions.c.agent_id)
            .where(t.agent_sessions.c.token_hash == token_hash)
        )
        row = (await self.conn.execute(query)).mappings().first()
        if row is None or row["expires_at"] <= now or not row["active"]:
            return None
        return AgentSession(rows.agent(row), row["csrf_token"], row["expires_at"])

    async def delete(self, token_hash: str) -> None:
        await self.conn.execute(
            delete(t.agent_sessions).where(t.agent_sessions.c.token_hash == token_hash)
        )

    async def delete_for_agent(self, agent_id: int, keep: str | None = None) -> None:
        """Sign an agent out everywhere (a password reset, a deactivation), except the session
        whose token hash is ``keep`` (the one changing its own password stays signed in)."""
        s = t.agent_sessions
        await self.conn.execute(
            delete(s).where(s.c.agent_id == agent_id, s.c.token_hash != (keep or ""))
        )

    async def delete_expired(self, now: datetime) -> None:
        await self.conn.execute(
            delete(t.agent_sessions).where(t.agent_sessions.c.expires_at <= now)
        )


@dataclass(frozen=True, slots=True)
class Notification:
    id: int
    agent_id: int
    ticket_id: int | None
    kind: str
    text: str
    created_at: datetime
    read_at: datetime | None = None


class NotificationRepository(_Repo):
    """What the console shows an agent besides the queue (escalations, approval requests)."""

    async def add(
        self, agent_id: int, ticket_id: int | None, kind: str, text: str, now: datetime
    ) -> None:
        await self.conn.execute(
            insert(t.agent_notifications).values(
                agent_id=agent_id, ticket_id=ticket_id, kind=kind, text=text, created_at=now
            )
        )

    async def unread(self, agent_id: int, limit: int = 50) -> list[Notification]:
        n = t.agent_notifications
        query = (
            select(n)
            .where(n.c.agent_id == agent_id, n.c.read_at.is_(None))
            .order_by(n.c.id.desc())
            .limit(limit)
        )
        return [
            Notification(
                id=r["id"],
                agent_id=r["agent_id"],
                ticket_id=r["ticket_id"],
                kind=r["kind"],
                text=r["text"],
                created_at=r["created_at"],
                read_at=r["read_at"],
            )
            for r in (await self.conn.execute(query)).mappings()
        ]

    async def mark_read(self, agent_id: int, now: datetime, ids: Sequence[int] = ()) -> int:
        n = t.agent_notifications
        query = update(n).where(n.c.agent_id == agent_id, n.c.read_at.is_(None))
        if ids:
            query = query.where(n.c.id.in_(list(ids)))
        return int((await self.conn.execute(query.values(read_at=now))).rowcount)


class TicketFlagRepository(_Repo):
    """Marks on tickets the queue must show (``nagging``: the customer keeps writing)."""

    async def add(self, ticket_id: int, kind: str, detail: str, now: datetime) -> bool:
        """True if the flag is new; False if it was already set (by this or another process)."""
        values = {"ticket_id": ticket_id, "kind": kind, "detail": detail, "created_at": now}
        dialect_insert = pg_insert if self.conn.dialect.name == "postgresql" else sqlite_insert
        query = dialect_insert(t.ticket_flags).values(**values).on_conflict_do_nothing()
        return bool((await self.conn.execute(query)).rowcount)

    async def clear(self, ticket_id: int, kind: str) -> bool:
        f = t.ticket_flags
        result = await self.conn.execute(
            delete(f).where(f.c.ticket_id == ticket_id, f.c.kind == kind)
        )
        return bool(result.rowcount)

    async def for_tickets(self, ticket_ids: Sequence[int]) -> dict[int, list[str]]:
        if not ticket_ids:
            return {}
        f = t.ticket_flags
        query = select(f.c.ticket_id, f.c.kind).where(f.c.ticket_id.in_(list(ticket_ids)))
        found: dict[int, list[str]] = {}
        for ticket_id, kind in (await self.conn.execute(query)).all():
            found.setdefault(ticket_id, []).append(kind)
        return found


class HandoffQueryRepository(_Repo):
    """Queries and guarded updates for routing, escalation and the console."""

    async def touch_agent(self, agent_id: int, now: datetime) -> None:
        await self.conn.execute(
            update(t.agents).where(t.agents.c.id == agent_id).values(online=True, last_seen_at=now)
        )

    async def online_agents(self, seen_since: datetime) -> list[Agent]:
        found = await self.conn.execute(_ONLINE_AGENTS, {"since": seen_since})
        return [rows.agent(r) for r in found.mappings()]

    async def unescalated_unassigned(self, limit: int = 500) -> list[Ticket]:
        """Open tickets nobody has and no rule escalated yet, oldest first."""
        tk = t.tickets
        query = (
            select(tk)
            .where(
                tk.c.assignee_id.is_(None),
                tk.c.escalated.is_(False),
                tk.c.status.not_in(CLOSED),
                tk.c.auto_fulfilled.is_(False),
            )
            .order_by(tk.c.created_at)
            .limit(limit)
        )
        return [rows.ticket(r) for r in (await self.conn.execute(query)).mappings()]

    async def past_resolution_due(self, now: datetime, kind: str, limit: int = 500) -> list[Ticket]:
        """Open tickets whose resolution target has passed and that carry no ``kind`` flag yet
        (waiting on a manager's approval does not count against the team)."""
        tk, flags = t.tickets, t.ticket_flags
        flagged = select(flags.c.ticket_id).where(flags.c.kind == kind)
        query = (
            select(tk)
            .where(
                tk.c.resolution_due < now,
                tk.c.status.not_in([*CLOSED, TicketStatus.PENDING_APPROVAL.value]),
                tk.c.id.not_in(flagged),
            )
            .order_by(tk.c.resolution_due)
            .limit(limit)
        )
        return [rows.ticket(r) for r in (await self.conn.execute(query)).mappings()]

    async def escalate_once(
        self, ticket_id: int, seen: Priority, raised: Priority, now: datetime, unassigned: bool
    ) -> bool:
        """Set ``escalated`` and raise the priority, only if no one did it since ``seen`` was
        read. The WHERE clause is the guard: of several processes racing on PostgreSQL, the
        row lock lets one update and the others find ``escalated`` already true (0 rows)."""
        tk = t.tickets
        query = update(tk).where(
            tk.c.id == ticket_id,
            tk.c.escalated.is_(False),
            tk.c.priority == seen.value,
            tk.c.status.not_in(CLOSED),
        )
        if unassigned:
            query = query.where(tk.c.assignee_id.is_(None))
        result = await self.conn.execute(
            query.values(escalated=True, priority=raised.value, updated_at=now)
        )
        return bool(result.rowcount)

    async def customers_waiting(self, at_least: int, limit: int = 500) -> list[tuple[int, int]]:
        """(ticket id, customer messages since the last reply) of open tickets whose customer
        wrote ``at_least`` times without a bot or agent answer, without a ``nagging`` flag."""
        m, tk, f = t.messages, t.tickets, t.ticket_flags
        last_reply = (
            select(m.c.ticket_id.label("tid"), func.max(m.c.seq).label("seq"))
            .where(
                m.c.ticket_id.is_not(None),
                m.c.sender.in_([SenderKind.AGENT.value, SenderKind.BOT.value]),
                m.c.internal.is_(False),
            )
            .group_by(m.c.ticket_id)
            .subquery()
        )
        flagged = select(f.c.ticket_id).where(f.c.kind == "nagging")
        count = func.count()
        query = (
            select(m.c.ticket_id, count)
            .select_from(
                m.join(tk, tk.c.id == m.c.ticket_id).outerjoin(
                    last_reply, last_reply.c.tid == m.c.ticket_id
                )
            )
            .where(
                m.c.sender == SenderKind.CUSTOMER.value,
                m.c.seq > func.coalesce(last_reply.c.seq, 0),
                tk.c.status.not_in(CLOSED),
                tk.c.id.not_in(flagged),
            )
            .group_by(m.c.ticket_id)
            .having(count >= at_least)
            .limit(limit)
        )
        return [(r[0], int(r[1])) for r in (await self.conn.execute(query)).all()]

    async def resolved_with_notes(self, limit: int = 500) -> list[Ticket]:
        """The newest resolved tickets that have resolution notes: the similarity candidates."""
        tk = t.tickets
        query = (
            select(tk)
            .where(tk.c.status.in_(CLOSED), tk.c.resolution.is_not(None))
            .order_by(tk.c.id.desc())
            .limit(limit)
        )
        return [rows.ticket(r) for r in (await self.conn.execute(query)).mappings()]

    async def change_fingerprint(self) -> tuple[str, int, int]:
        """Changes from any process show here: the console's periodic re-read compares it."""
        updated = (await self.conn.execute(select(func.max(t.tickets.c.updated_at)))).scalar()
        last_message = (await self.conn.execute(select(func.max(t.messages.c.id)))).scalar()
        last_note = (await self.conn.execute(select(func.max(t.agent_notifications.c.id)))).scalar()
        return (str(updated), int(last_message or 0), int(last_note or 0))

    async def notice_marks(self) -> tuple[int, int]:
        """The newest hand-off event and message ids: what a console stream has already seen."""
        handoffs = select(func.max(t.ticket_events.c.id)).where(t.ticket_events.c.kind == "handoff")
        last_event = (await self.conn.execute(handoffs)).scalar()
        last_message = (await self.conn.execute(select(func.max(t.messages.c.id)))).scalar()
        return (int(last_event or 0), int(last_message or 0))

    async def notices(
        self, agent_id: int, teams: Sequence[str], after_event: int, after_message: int
    ) -> list[Notice]:
        """What an agent is told about: tickets handed to one of ``teams`` (hand-off events
        after ``after_event``) and customers' messages on tickets the agent owns, written since
        it was assigned to them (after ``after_message``; the message that opened a ticket
        is told as the new ticket), oldest first, at most 100 of each."""
        e, m, tk = t.ticket_events, t.messages, t.tickets
        handed = (
            select(e.c.id, tk.c.id, tk.c.description)
            .join(tk, tk.c.id == e.c.ticket_id)
            .where(e.c.id > after_event, e.c.kind == "handoff", tk.c.team.in_(list(teams)))
            .order_by(e.c.id)
            .limit(100)
        )
        assigned = (  # since when the ticket is its owner's: what came before is no reply
            select(func.max(e.c.created_at))
            .where(e.c.ticket_id == tk.c.id, e.c.kind == "assigned")
            .scalar_subquery()
        )
        replies = (
            select(m.c.id, tk.c.id, m.c.text)
            .join(tk, tk.c.id == m.c.ticket_id)
            .where(
                m.c.id > after_message,
                m.c.sender == SenderKind.CUSTOMER.value,
                m.c.internal.is_(False),
                tk.c.assignee_id == agent_id,
                m.c.created_at > assigned,
            )
            .order_by(m.c.id)
            .limit(100)
        )
        found = (
            [Notice("new", *r) for r in (await self.conn.execute(handed)).all()] if teams else []
        )
        found += [Notice("reply", *r) for r in (await self.conn.execute(replies)).all()]
        return found
