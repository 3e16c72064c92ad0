"""One shape for background work: a job run every ``interval`` seconds while a block runs.

Delivery, SLA escalation, spike detection, the fulfilment idle check and the model reload are all
``async with periodic(name, interval, job):``. A failing round is logged with its traceback and
retried after ``interval``; it never ends the loop and never touches another job's loop.

A job that must run in one process at a time however many share the database (delivery,
escalation, spike detection, auto-close, the fulfilment idle check) is given an ``owner``: a
check, before each round, that this process holds the job (``store/advisory_locks.py``: a
PostgreSQL advisory lock, released by the server when its holder's connection ends, so a killed
process's jobs are taken over by a standby within ``STANDBY_SECONDS``). Without one (SQLite: one
process) the job always runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

log = logging.getLogger(__name__)

Job = Callable[[], Awaitable[object]]
"""One round of work (its result is ignored); a job that finds more waiting loops itself."""
Owner = Callable[[str], Awaitable[bool]]
"""Whether this process holds the named job now (takes it when nobody does)."""
STANDBY_SECONDS = 2.0
"""How often a process that does not hold a job asks again: the failover time."""


class Periodic:
    """A running background job; ``stop()`` ends it (also done when its block exits)."""

    def __init__(
        self,
        name: str,
        interval: float,
        job: Job,
        *,
        immediately: bool,
        idle: Callable[[float], Awaitable[object]] | None,
        owner: Owner | None = None,
    ) -> None:
        self.name = name
        self.owner = owner
        self.owning = owner is None  # whether this process ran the last round (``/metrics``)
        self.interval = interval
        self.failures = 0
        self._job = job
        self._immediately = immediately
        self._idle = idle or asyncio.sleep
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self.interval > 0 and self._task is None:
            self._task = asyncio.create_task(self._run(), name=self.name)

    async def stop(self) -> None:
        """Cancel the job and wait for it; stopping never raises what the job was doing."""
        task, self._task = self._task, None
        if task is None:
            return
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            if _stopping():
                raise  # whoever stops us is being cancelled too
        except Exception:
            log.exception("%s failed while stopping", self.name)

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def _run(self) -> None:
        waited = self._immediately
        while True:
            if not await self._holds():  # asked first: a job's owner is known from the start
                await asyncio.sleep(min(self.interval, STANDBY_SECONDS))
                continue
            if not waited:  # the first round comes one interval after the start
                waited = True
                await asyncio.sleep(self.interval)
                continue
            try:
                await self._job()
                await self._idle(self.interval)
            except asyncio.CancelledError:
                raise
            except Exception:
                self.failures += 1
                if _stopping():  # the stop request arrived as another error: end quietly
                    log.exception("%s failed while stopping", self.name)
                    return
                log.exception("%s failed; trying again in %g s", self.name, self.interval)
                await asyncio.sleep(self.interval)

    async def _holds(self) -> bool:
        if self.owner is None:
            return True
        try:
            held = await self.owner(self.name)
        except asyncio.CancelledError:
            raise
        except Exception:  # cannot tell (the database is away): stand by
            log.warning("%s: cannot tell whether this process holds it", self.name, exc_info=True)
            held = False
        if held != self.owning:
            log.info("%s: %s", self.name, "this process runs it" if held else "standing by")
        self.owning = held
        return held


def _stopping() -> bool:
    """Whether the running task was asked to stop (a cancellation some library swallowed)."""
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0


@contextlib.asynccontextmanager
async def periodic(
    name: str,
    interval: float,
    job: Job,
    *,
    immediately: bool = False,
    idle: Callable[[float], Awaitable[object]] | None = None,
    owner: Owner | None = None,
) -> AsyncIterator[Periodic]:
    """Run ``job`` every ``interval`` seconds until the block exits; ``interval <= 0`` turns it
    off. ``immediately`` runs the first round at once instead of after one interval; ``idle``
    replaces the plain sleep between rounds (e.g. a wait that a new outbox row cuts short);
    ``owner`` makes it a singleton among processes (see the module's docstring)."""
    runner = Periodic(name, interval, job, immediately=immediately, idle=idle, owner=owner)
    runner.start()
    try:
        yield runner
    finally:
        await runner.stop()
