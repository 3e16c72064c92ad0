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
owner's jobs within ``service.periodic.STANDBY_SECONDS``. Every process relays its bus's
publishes to the others over LISTEN/NOTIFY (``store/pg_notify.py``), so a reply committed in one
process reaches a customer's long poll or an agent's console in another at once.

SQLite is the embedded single-process default: none of this is started, every job just runs.
"""

from __future__ import annotations

import contextlib

from service.bus import EventBus
from service.periodic import Owner
from store.engine import is_sqlite


def runs_background(role: str) -> bool:
    """Whether a process of ``role`` runs the background jobs and the platform receivers."""
    return role != "web"


def serves_customers(role: str) -> bool:
    """Whether a process of ``role`` serves web chat, the console and the webhooks."""
    return role != "worker"


async def across_processes(
    url: str, bus: EventBus, stack: contextlib.AsyncExitStack
) -> Owner | None:
    """On PostgreSQL: relay ``bus`` to the other processes and return the owner check of the
    background jobs (both undone by ``stack``). On SQLite: ``None``, every job runs here."""
    if is_sqlite(url):
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
