"""Resolved tickets close by themselves after ``FRONTDESK_AUTO_CLOSE_DAYS`` (default 3), as the
lifecycle ends in ``closed``; a customer who writes after that gets a new ticket linked to the
closed one (``follow_up_of``) instead of reopening it.

Safe with several processes: each ticket is re-read (``FOR UPDATE`` on PostgreSQL) and closed
only if it is still resolved and old enough, so two sweeps close it once.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from models import TicketAction, TicketStatus

if TYPE_CHECKING:
    from service.desk import Desk
    from store.database import Store
    from store.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)


class AutoCloser:
    def __init__(self, store: Store, desk: Desk, after: timedelta, interval: float = 300.0) -> None:
        self.store = store
        self.desk = desk
        self.after = after
        self.interval = interval

    async def close_due(self, now: datetime | None = None) -> list[int]:
        """Close every ticket resolved more than ``after`` ago; returns the ids this call closed."""
        cutoff = (now or self.desk.clock()) - self.after
        due = await self.store.read(lambda uow: uow.links.resolved_before(cutoff))
        closed = [ticket_id for ticket_id in due if await self._close(ticket_id, cutoff)]
        if closed:
            log.info("closed %d resolved tickets", len(closed))
        return closed

    async def _close(self, ticket_id: int, cutoff: datetime) -> bool:
        days = self.after.total_seconds() / 86400

        async def work(uow: UnitOfWork) -> bool:
            ticket = await uow.tickets.get(ticket_id, for_update=True)
            if ticket.status is not TicketStatus.RESOLVED or (
                ticket.resolved_at is not None and ticket.resolved_at > cutoff
            ):
                return False
            await self.desk.transition(
                uow,
                ticket,
                TicketAction.CLOSE,
                "system",
                detail=f"closed automatically {days:g} days after its resolution",
            )
            return True

        return await self.store.write(work)
