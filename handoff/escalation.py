"""The SLA scheduler: escalates tickets nobody took and flags customers left unanswered.

Safe to run in every process at once: each change is a guarded UPDATE (``... WHERE escalated
= false AND priority = <what we read>``) or an insert that ignores a conflict, so when two
schedulers race on PostgreSQL the row lock lets exactly one of them win; the loser's write
finds nothing to change and records nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from models import Priority, TicketEvent, format_ticket_id

from .notices import NAGGING, notify_managers, record_escalation
from .routing import RoutingConfig

if TYPE_CHECKING:
    from service.desk import Desk
    from store.database import Store
    from store.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)


SLA_BREACH = "sla_breach"


@dataclass(frozen=True, slots=True)
class SweepResult:
    escalated: tuple[int, ...] = ()
    flagged: tuple[int, ...] = ()
    breached: tuple[int, ...] = ()


@dataclass
class EscalationScheduler:
    store: Store
    desk: Desk
    config: RoutingConfig = field(default_factory=RoutingConfig)
    interval: float = 30.0

    def unassigned_limit(self, priority: Priority) -> timedelta:
        """How long a ticket of ``priority`` may wait for an owner (default: its first-response
        SLA target)."""
        limit = self.config.unassigned_limits.get(priority)
        return limit if limit is not None else self.desk.sla.targets[priority].first_response

    async def sweep(self, now: datetime | None = None) -> SweepResult:
        """Apply every rule once; returns what *this* call changed."""
        now = now or self.desk.clock()
        candidates = await self.store.read(lambda uow: uow.handoff.unescalated_unassigned())
        escalated = []
        for ticket in candidates:
            if ticket.created_at is None or now - ticket.created_at < self.unassigned_limit(
                ticket.priority
            ):
                continue
            if await self._escalate(ticket.id, ticket.priority, now):
                escalated.append(ticket.id)
        waiting = await self.store.read(
            lambda uow: uow.handoff.customers_waiting(self.config.nag_threshold)
        )
        flagged = [tid for tid, count in waiting if await self._flag(tid, count, now)]
        overdue = await self.store.read(
            lambda uow: uow.handoff.past_resolution_due(now, SLA_BREACH)
        )
        breached = [t.id for t in overdue if await self._breached(t.id, now)]
        if escalated or flagged or breached:
            log.info("escalated %s, flagged %s, past resolution SLA %s", escalated, flagged,
                     breached)  # fmt: skip
        return SweepResult(tuple(escalated), tuple(flagged), tuple(breached))

    async def _breached(self, ticket_id: int, now: datetime) -> bool:
        """A ticket past its resolution target: flagged once (the flag's key is the guard
        between processes), its owner and the team's managers told."""

        async def work(uow: UnitOfWork) -> bool:
            ticket = await uow.tickets.get(ticket_id)
            due = ticket.resolution_due
            detail = f"resolution target passed ({due:%d %b %H:%M} UTC)" if due else "overdue"
            if not await uow.flags.add(ticket_id, SLA_BREACH, detail, now):
                return False
            await uow.events.add(
                TicketEvent(ticket_id, "system", "sla_breached", None, SLA_BREACH, detail,
                            created_at=now)
            )  # fmt: skip
            text = f"{format_ticket_id(ticket_id)}: {detail}"
            if ticket.assignee_id is not None:
                await uow.notifications.add(ticket.assignee_id, ticket_id, SLA_BREACH, text, now)
            await notify_managers(uow, ticket, SLA_BREACH, text, now)
            self.desk.ticket_changed(uow, ticket_id)
            return True

        return await self.store.write(work)

    async def _escalate(self, ticket_id: int, seen: Priority, now: datetime) -> bool:
        async def work(uow: UnitOfWork) -> bool:
            raised = seen.raised()
            if not await uow.handoff.escalate_once(ticket_id, seen, raised, now, unassigned=True):
                return False  # another process (or an agent) got there first
            ticket = await uow.tickets.get(ticket_id)
            waited = self.unassigned_limit(seen)
            await record_escalation(
                uow,
                self.desk,
                ticket,
                seen,
                "system",
                f"unassigned for more than {int(waited.total_seconds() // 60)} minutes",
            )
            return True

        return await self.store.write(work)

    async def _flag(self, ticket_id: int, count: int, now: datetime) -> bool:
        async def work(uow: UnitOfWork) -> bool:
            detail = f"{count} customer messages without a reply"
            if not await uow.flags.add(ticket_id, NAGGING, detail, now):
                return False
            await uow.events.add(
                TicketEvent(ticket_id, "system", "flagged", None, NAGGING, detail, created_at=now)
            )
            ticket = await uow.tickets.get(ticket_id)
            if ticket.assignee_id is not None:
                await uow.notifications.add(
                    ticket.assignee_id,
                    ticket_id,
                    "flagged",
                    f"{format_ticket_id(ticket_id)}: {detail}",
                    now,
                )
            else:
                await notify_managers(
                    uow, ticket, "flagged", f"{format_ticket_id(ticket_id)}: {detail}", now
                )
            self.desk.ticket_changed(uow, ticket_id)
            return True

        return await self.store.write(work)
