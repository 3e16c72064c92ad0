"""Problem tickets born from incident spikes, and resolving a problem with all its incidents.

Safe with several processes at once (PostgreSQL): incidents are linked with a conditional update
(``problem_id IS NULL``), and the right to open the problem of an intent is a row keyed by that
intent (``open_problems``); a process that loses the race has its write rolled back and links to
the winner's problem on its next try. Resolving reads each incident ``FOR UPDATE`` and goes
through the lifecycle, so a second resolver finds them resolved and tells nobody twice.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from models import (
    ChannelKind,
    Conflict,
    Conversation,
    ConversationAction,
    InvalidTransition,
    Prediction,
    Priority,
    SenderKind,
    Ticket,
    TicketAction,
    TicketEvent,
    TicketType,
    ValidationError,
    format_ticket_id,
)

from .spikes import Incident, Spike, SpikeRule, detect

if TYPE_CHECKING:
    from service.desk import Desk
    from store.database import Store
    from store.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

SYSTEM_IDENTITY = "frontdesk:problems"
LINKED_EVENT = "problem_linked"
RESOLVED_EVENT = "problem_resolved"
BASELINE_TEXTS = 2000  # the most recent baseline descriptions compared with a cluster
DETECT_BUDGET = 2.0  # seconds of clustering per pass, at most


@dataclass(frozen=True, slots=True)
class ProblemOutcome:
    problem_id: int
    created: bool
    linked: tuple[int, ...]


async def _open_problem(uow: UnitOfWork, ticket_id: int) -> Ticket | None:
    problem = await uow.tickets.get(ticket_id)
    if problem.type is TicketType.PROBLEM and problem.status.is_open:
        return problem
    return None


async def _current_problem(uow: UnitOfWork, spike: Spike) -> Ticket | None:
    """The open problem these incidents belong to: one a member is linked to, else the one
    detection opened for the intent (a stale claim on a closed problem is dropped)."""
    for incident_id in spike.incident_ids:
        incident = await uow.tickets.get(incident_id)
        if incident.problem_id is not None:
            problem = await _open_problem(uow, incident.problem_id)
            if problem is not None:
                return problem
    claimed = await uow.problems.open_problem_for(spike.intent)
    if claimed is not None:
        problem = await _open_problem(uow, claimed)
        if problem is not None:
            return problem
        await uow.problems.release(claimed)
    return None


async def open_or_link(
    uow: UnitOfWork, desk: Desk, spike: Spike, rule: SpikeRule
) -> ProblemOutcome | None:
    """Open one problem ticket for ``spike`` (or find the open one) and link its incidents.

    Returns None when every incident was already linked. Raises :class:`Conflict` when another
    process opened the intent's problem at the same moment: run it again and it links to that.
    """
    now = desk.clock()
    problem = await _current_problem(uow, spike)
    created = problem is None
    if problem is None:
        if not await _any_unlinked(uow, spike):  # a resolved problem covered them (#12)
            return None
        problem = await _new_problem(uow, desk, spike, rule, now)
    linked = await uow.problems.link(spike.incident_ids, problem.id)
    if not linked and not created:
        return None
    public = format_ticket_id(problem.id)
    for incident_id in linked:
        await uow.events.add(
            TicketEvent(incident_id, "system", LINKED_EVENT, new=public, created_at=now)
        )
        desk.ticket_changed(uow, incident_id)
    names = ", ".join(format_ticket_id(i) for i in linked)
    await uow.events.add(TicketEvent(problem.id, "system", LINKED_EVENT, new=names, created_at=now))
    conversation = await uow.conversations.get(problem.conversation_id)
    lead = "Spike detected" if created else "More incidents linked"
    await desk.say(
        uow,
        conversation,
        f"{lead}: {spike.describe(rule.window)}. Linked: {names}. Resolving this problem "
        "resolves them all and tells each customer.",
        sender=SenderKind.SYSTEM,
        internal=True,
        ticket_id=problem.id,
    )
    return ProblemOutcome(problem.id, created, tuple(linked))


async def _any_unlinked(uow: UnitOfWork, spike: Spike) -> bool:
    """Whether some incident of the spike has no problem yet: incidents linked to a problem,
    resolved or not, never make a new one (else each resolution opened an empty problem)."""
    for incident_id in spike.incident_ids:
        if (await uow.tickets.get(incident_id)).problem_id is None:
            return True
    return False


async def _new_problem(
    uow: UnitOfWork, desk: Desk, spike: Spike, rule: SpikeRule, now: datetime
) -> Ticket:
    """A problem ticket on a conversation of its own (the schema wants one; nobody reads it
    but agents, and its messages are internal notes)."""
    system = await uow.customers.get_or_create(
        ChannelKind.WEB, SYSTEM_IDENTITY, now, "Frontdesk problem detection"
    )
    conversation = Conversation(0, ChannelKind.WEB, system.id, f"problem:{uuid.uuid4().hex}")
    conversation.move(ConversationAction.CLOSE)  # no customer speaks here: born closed
    conversation = await uow.conversations.add(conversation, now)
    prediction = Prediction(spike.intent, TicketType.PROBLEM, Priority.HIGH, 1.0)
    description = f"Problem: {spike.describe(rule.window)}"
    problem = await desk.open_ticket(uow, conversation, system, description, prediction)
    await uow.problems.claim(spike.intent, problem.id, now)
    return problem


async def resolve_problem(
    uow: UnitOfWork, desk: Desk, problem: Ticket, resolution: str, actor: str
) -> list[int]:
    """Resolve ``problem`` and every open incident linked to it; returns the incidents resolved.

    Each customer hears about it exactly once, on their own channel: the first of their
    incidents is resolved with :meth:`Desk.resolve` (one message: the resolution and the CSAT
    buttons); further incidents of the same customer are resolved without another message.
    Incidents already resolved (or waiting for an approval) are left alone.
    """
    if problem.type is not TicketType.PROBLEM:
        raise ValidationError(f"{format_ticket_id(problem.id)} is not a problem ticket")
    if not resolution.strip():
        raise ValidationError("a resolution is required")
    problem.resolution = resolution
    await desk.transition(uow, problem, TicketAction.RESOLVE, actor, detail=resolution)
    await uow.tickets.bump_resolution_round(problem.id)
    await uow.problems.release(problem.id)
    told: set[int] = set()
    resolved: list[int] = []
    public = format_ticket_id(problem.id)
    for incident_id in await uow.problems.linked(problem.id):
        incident = await uow.tickets.get(incident_id, for_update=True)
        if not incident.status.is_open:
            continue
        try:
            if incident.customer_id in told:
                incident.resolution = resolution
                await desk.transition(uow, incident, TicketAction.RESOLVE, actor, resolution)
                await uow.tickets.bump_resolution_round(incident.id)
            else:
                await desk.resolve(uow, incident, resolution, actor)
        except InvalidTransition:
            continue  # e.g. pending approval: an agent decides
        told.add(incident.customer_id)
        resolved.append(incident.id)
        await uow.events.add(
            TicketEvent(incident.id, actor, RESOLVED_EVENT, new=public, created_at=desk.clock())
        )
    return resolved


class SpikeWatcher:
    """Looks for spikes and acts on them (``bot/app.py`` runs :meth:`check` periodically)."""

    def __init__(self, store: Store, desk: Desk, rule: SpikeRule | None = None) -> None:
        self.store = store
        self.desk = desk
        self.rule = rule or SpikeRule()

    async def find_spikes(self) -> list[Spike]:
        now = self.desk.clock()
        rule = self.rule
        start = now - rule.window

        async def read(uow: UnitOfWork) -> tuple[list[Incident], dict[str, int], list[str]]:
            recent = await uow.problems.incidents(start, now + _EPSILON)
            counts = await uow.problems.incident_counts_by_intent(start - rule.baseline, start)
            older = await uow.problems.incidents(start - rule.baseline, start, BASELINE_TEXTS)
            incidents = [Incident(i.id, i.intent, i.description, i.problem_id) for i in recent]
            return incidents, dict(counts), [i.description for i in older]

        incidents, counts, texts = await self.store.read(read)
        # CPU-bound (text clustering): off the event loop, within a time budget, so requests
        # keep being answered however many incidents arrive.
        return await asyncio.to_thread(detect, incidents, counts, texts, rule, DETECT_BUDGET)

    async def check(self) -> list[ProblemOutcome]:
        """One detection pass; returns what it opened or linked."""
        outcomes: list[ProblemOutcome] = []
        for spike in await self.find_spikes():

            async def act(uow: UnitOfWork, spike: Spike = spike) -> ProblemOutcome | None:
                return await open_or_link(uow, self.desk, spike, self.rule)

            for attempt in (1, 2):
                try:
                    outcome = await self.store.write(act)
                except Conflict:
                    if attempt == 2:
                        raise
                    continue  # another process opened this intent's problem: link to it
                if outcome is not None:
                    log.warning(
                        "%s problem %s: linked %d incidents",
                        "opened" if outcome.created else "updated",
                        format_ticket_id(outcome.problem_id),
                        len(outcome.linked),
                    )
                    outcomes.append(outcome)
                break
        return outcomes


_EPSILON = timedelta(seconds=1)  # the recent window includes incidents opened this second
