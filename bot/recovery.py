"""Nothing accepted is stranded: retrying a failed message, sweeping up abandoned ones, and the
apology when a message itself cannot be handled.

Three kinds of failure, three answers:

- **The database is unavailable** (:class:`models.StoreUnavailable`: connection lost, refused,
  full disk, read-only). Nothing about the message is wrong, so the worker retries it with
  backoff (0.2 s doubling to ``MAX_OUTAGE_WAIT``) for as long as the outage lasts; the customer
  gets the one reply the message deserves once the database is back, never an apology.
- **The message fails for a reason of its own** (a bug it triggers, a model that raises). It is
  tried ``MESSAGE_ATTEMPTS`` times (a passing hiccup gets another chance), then the customer gets
  an apology and a human agent, and the message is marked processed so it is not retried forever.
- **Nobody holds the message any more**: its process died, or the database lost the connection
  while committing the message's acceptance (the client saw a 503, the message was kept). The
  accepting process leases each message for ``processing_lease_s``; :class:`Sweeper` runs every
  ``sweep_interval_s`` in every process and claims messages left unprocessed past their lease
  (``MessageRepository.claim``: one atomic UPDATE ... RETURNING, SKIP LOCKED on PostgreSQL).

Two processes may still work on one message (a lease that ran out while a slow worker was busy
with it, a restarted process taking everything over): marking a message processed is one
conditional UPDATE in the same transaction as its replies, so only one of them answers.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from models import Prediction, Priority, StoreUnavailable, TicketType
from models.texts import _

if TYPE_CHECKING:
    from service.desk import Desk
    from service.unit_of_work import Transactions, UnitOfWork

log = logging.getLogger(__name__)

APOLOGY = _(
    "Sorry, something went wrong on our side. I've passed your conversation to our support "
    "team and a human agent will get back to you here."
)
MESSAGE_ATTEMPTS = 3
"""Tries of a message that fails for a reason of its own before the apology and hand-off."""
MAX_OUTAGE_WAIT = 5.0
"""The longest wait between two tries during a database outage (seconds)."""
SWEEP_BATCH = 500


def outage_wait(attempt: int) -> float:
    """Seconds before try ``attempt + 1`` during an outage: 0.2, 0.4, 0.8... up to 5."""
    return float(min(MAX_OUTAGE_WAIT, 0.2 * 2 ** min(attempt - 1, 10)))


async def with_retries(
    message_id: int,
    process: Callable[[], Awaitable[None]],
    apologise: Callable[[int], Awaitable[None]],
    *,
    sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
) -> None:
    """Run ``process`` until it succeeds: through any outage, and up to ``MESSAGE_ATTEMPTS``
    times for a failure of the message's own, after which ``apologise(message_id)`` runs."""
    outages = failures = 0
    while True:
        try:
            await process()
            return
        except asyncio.CancelledError:
            raise
        except StoreUnavailable as exc:
            outages += 1
            wait = outage_wait(outages)
            log.warning("message %d waits for the database (%s); retry in %.1f s", message_id,
                        exc, wait)  # fmt: skip
            await sleep(wait)
        except Exception:
            failures += 1
            if failures >= MESSAGE_ATTEMPTS:
                log.exception("processing message %d failed %d times", message_id, failures)
                await apologise(message_id)
                return
            log.warning("processing message %d failed; trying again", message_id, exc_info=True)
            await sleep(0.1 * failures)


class Sweeper:
    """Claims messages left unprocessed past their lease and hands them to ``schedule``."""

    def __init__(
        self,
        store: Transactions,
        clock: Callable[[], datetime],
        lease: timedelta,
        schedule: Callable[[int, int], None],
    ) -> None:
        self.store = store
        self.clock = clock
        self.lease = lease
        self.schedule = schedule
        self.swept = 0  # messages this process took over (logged, observed by tests)

    async def sweep(self, *, everything: bool = False) -> int:
        """One round; ``everything`` (at start) also takes messages another process still
        leases, so a restart after a crash answers at once instead of after the lease."""
        now = self.clock()
        until = now + self.lease
        due = until if everything else now
        total = 0

        async def claim(uow: UnitOfWork) -> list[tuple[int, int]]:
            return await uow.messages.claim(due, until, limit=SWEEP_BATCH)

        while True:
            claimed = await self.store.write(claim)
            for message_id, conversation_id in claimed:
                self.schedule(message_id, conversation_id)
            total += len(claimed)
            if len(claimed) < SWEEP_BATCH:
                break
        if total:
            self.swept += total
            log.info("took over %d stored messages left unprocessed", total)
        return total


async def apologise(store: Transactions, desk: Desk, message_id: int) -> None:
    """A message that cannot be handled: the customer gets an apology and an agent, never
    silence; the message is marked processed so it is not retried forever."""

    async def fallback(uow: UnitOfWork) -> None:
        if not await uow.messages.mark_processed(message_id, desk.clock()):
            return
        message = await uow.messages.get(message_id)
        conversation = await uow.conversations.get(message.conversation_id)
        customer = await uow.customers.get(conversation.customer_id)
        ticket = await uow.tickets.get(conversation.ticket_id) if conversation.ticket_id else None
        if ticket is None or not ticket.status.is_open:
            ticket = await desk.open_ticket(
                uow, conversation, customer, message.text or "(no text)", _fallback()
            )
        await uow.messages.attach_to_ticket(message.id, ticket.id)
        await desk.say(uow, conversation, APOLOGY)
        await desk.record_bot_response(uow, ticket)
        await desk.hand_off(uow, conversation, ticket, "the bot failed on this message")

    try:
        await store.write(fallback)
    except Exception:  # the sweep takes the message again once its lease runs out
        log.exception("could not hand message %d to an agent after a failure", message_id)


def _fallback() -> Prediction:
    return Prediction(
        intent="unknown", type=TicketType.INCIDENT, priority=Priority.MEDIUM, confidence=0.0
    )
