"""Many processes, one front desk: what a process runs (its role) and how the processes that
share a PostgreSQL database coordinate.

Roles (``frontdesk run --role``, ``FRONTDESK_ROLE``):

- ``all`` (the default): everything below.
- ``web``: web chat, the console and its API, the webhooks; it processes the messages it
  accepts and those its sweep takes over from a dead process. No background jobs; of the
  platform channels only a Telegram one in webhook mode (for its webhook).
- ``worker``: only ``/healthz`` and ``/metrics`` over HTTP; the platform receivers (Telegram
  polling, Discord, inbound mail) and the messages they bring, the sweep, the background jobs.

Background jobs (delivery, SLA escalation, spike detection, auto-close, the fulfilment idle
check) run in one process at a time however many ``all`` or ``worker`` processes share the
database: each holds an advisory lock (``store/advisory_locks.py``), and a standby takes a dead
owner's jobs within ``service.periodic.STANDBY_SECONDS``; the platform receivers go with the
delivery worker (:class:`PlatformReceivers`). Every process relays its bus's
publishes to the others over LISTEN/NOTIFY (``store/pg_notify.py``), so a reply committed in one
process reaches a customer's long poll or an agent's console in another at once.

SQLite is the embedded single-process default: none of this is started, every job just runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from service.bus import EventBus
from service.periodic import Owner
from store.engine import hold_sqlite_file, is_sqlite

from .ports import Channel, InboundSink

log = logging.getLogger(__name__)


def runs_background(role: str) -> bool:
    """Whether a process of ``role`` runs the timed background jobs (escalation, spike
    detection, auto-close, the fulfilment idle check)."""
    return role != "web"


def runs_platforms(role: str) -> bool:
    """Whether a process of ``role`` runs the platform receivers and the delivery worker that
    sends through them (a ``scheduler`` runs only the timed jobs)."""
    return role in ("all", "worker")


def serves_customers(role: str) -> bool:
    """Whether a process of ``role`` serves web chat, the console and the webhooks."""
    return role in ("all", "web")


async def across_processes(
    url: str, bus: EventBus, stack: contextlib.AsyncExitStack
) -> Owner | None:
    """On PostgreSQL: relay ``bus`` to the other processes and return the owner check of the
    background jobs (both undone by ``stack``). On SQLite: ``None``, every job runs here."""
    if is_sqlite(url):
        held = hold_sqlite_file(url)
        if held is None:
            log.warning(
                "another Frontdesk server uses this SQLite database: SQLite is for one process "
                "(replies reach the other's customers late); use PostgreSQL for several"
            )
        else:
            stack.callback(held.close)
        return None
    from store.advisory_locks import AdvisoryLocks
    from store.pg_notify import NotifyRelay

    relay = NotifyRelay(url, bus.deliver)
    await relay.start()
    stack.push_async_callback(relay.stop)
    bus.relay = relay.send
    locks = AdvisoryLocks(url)
    stack.push_async_callback(locks.close)
    return locks.holds


class PlatformReceivers:
    """The platform channels that pull from their platform (Telegram polling, the Discord
    gateway, the inbound SMTP server, IMAP polling): in one process at a time, with the delivery
    worker that sends through them.

    Two processes polling one Telegram bot get 409 Conflict, two Discord gateway sessions get
    every event twice, two SMTP servers cannot share a port. So on PostgreSQL they start in the
    process that holds the ``platforms`` lock, together with delivery: :meth:`holds` is the
    delivery job's owner check, starting the receivers when the lock is taken and stopping them
    if it is lost. Without an owner (SQLite) :meth:`holds` starts them at once and keeps them.
    """

    LOCK = "platforms"

    def __init__(
        self,
        channels: dict[str, Channel],
        sink_for: Callable[[str], InboundSink],
        owner: Owner | None,
    ) -> None:
        self.channels = channels
        self.sink_for = sink_for
        self.owner = owner
        self.started: list[str] = []
        self._changing = asyncio.Lock()

    @property
    def standing_by(self) -> set[str]:
        """Receivers another process runs (or a ``web`` process never runs)."""
        return set(self.channels) - set(self.started)

    async def holds(self, _job: str = "delivery") -> bool:
        """Whether this process holds the platforms (starting or stopping the receivers to
        match); satisfies ``service.periodic.Owner``."""
        async with self._changing:
            held = True if self.owner is None else await self.owner(self.LOCK)
            if held:
                for name, channel in self.channels.items():
                    if name in self.started:
                        continue
                    await channel.start(self.sink_for(name))
                    self.started.append(name)
                    log.info("channel %s started", name)
            elif not held and self.started:
                log.warning("platform channels: lock lost; stopping them here")
                await self._stop()
            return held

    async def stop(self) -> None:
        async with self._changing:
            await self._stop()

    async def _stop(self) -> None:
        while self.started:
            name = self.started.pop()
            try:
                await self.channels[name].stop()
            except Exception:
                log.exception("stopping channel %s failed", name)
