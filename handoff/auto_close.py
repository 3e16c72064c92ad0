"""Resolved tickets close by themselves after ``FRONTDESK_AUTO_CLOSE_DAYS`` (default 3), as the
lifecycle ends in ``closed``; a customer who writes after that gets a new ticket linked to the
closed one (``follow_up_of``) instead of reopening it.

Safe with several processes: each ticket is re-read (``FOR UPDATE`` on PostgreSQL) and closed
only if it is still resolved and old enough, so two sweeps close it once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from models import Ticket, TicketAction, TicketEvent, TicketStatus

if TYPE_CHECKING:
    from store.database import Store
    from store.unit_of_work import UnitOfWork

    from .desk import Desk

log = logging.getLogger(__name__)

FOLLOW_UP_OF = "follow_up_of"


class AutoCloser:
    def __init__(self, store: Store, desk: Desk, after: timedelta, interval: float = 300.0) -> None:
        self.store = store
        self.desk = desk
        self.after = after
        self.interval = interval
        self._task: asyncio.Task[None] | None = None

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

    async def start(self) -> None:
        if self.interval > 0 and self.after.total_seconds() > 0:
            self._task = asyncio.create_task(self._run(), name="auto-close")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            try:
                await self.close_due()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("closing resolved tickets failed; trying again later")
            await asyncio.sleep(self.interval)


async def link_follow_up(uow: UnitOfWork, ticket: Ticket, previous_id: int | None) -> None:
    """A new ticket on a conversation whose last ticket is closed follows up on that one."""
    if previous_id is None or previous_id == ticket.id:
        return
    previous = await uow.tickets.get(previous_id)
    if previous.status is not TicketStatus.CLOSED or (await uow.links.of(previous.id)).get(
        "merged_into"
    ):
        return
    now = ticket.created_at or previous.updated_at
    assert now is not None
    await uow.links.add(ticket.id, FOLLOW_UP_OF, previous.id, now)
    await uow.events.add(
        TicketEvent(ticket.id, "bot", "follow_up", new=previous.public_id, created_at=now)
    )
    await uow.events.add(
        TicketEvent(previous.id, "bot", "follow_up", new=ticket.public_id, created_at=now)
    )
