"""Merging a duplicate into the ticket that covers the same issue, and linking an incident to a
problem ticket by hand.

A merge is one write: the duplicate closes with a ``merged_into`` link, its messages and tags
move to the kept ticket, its customer's conversation is filed on the kept ticket from now on
(their later messages land there, and agents' replies reach them too), and that customer is
told once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from models import (
    Agent,
    Conflict,
    ConversationAction,
    ConversationState,
    InvalidTicketId,
    SenderKind,
    Ticket,
    TicketAction,
    TicketEvent,
    TicketStatus,
    TicketType,
    ValidationError,
    format_ticket_id,
    parse_ticket_id,
)

from .auth import actor_of
from .customer_texts import merged as merged_text
from .tags import add_tags

if TYPE_CHECKING:
    from service.desk import Desk
    from store.database import Store
    from store.unit_of_work import UnitOfWork

MERGED_INTO = "merged_into"
LINKED_EVENT = "problem_linked"  # the same audit kind spike detection writes
UNLINKED_EVENT = "problem_unlinked"


def ticket_ref(value: Any, name: str) -> int:
    """A ticket ID from a JSON field (``"FD-1042"``); ValidationError names the field."""
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise ValidationError(f'"{name}" must be a ticket ID like "FD-1001"')
    try:
        return parse_ticket_id(str(value))
    except InvalidTicketId as exc:
        raise ValidationError(f'"{name}": {exc}') from None


async def merge(store: Store, desk: Desk, agent: Agent, ticket_id: int, into: Any) -> Ticket:
    """Merge ``ticket_id`` into ``into``; returns the kept ticket."""
    target_id = ticket_ref(into, "into")
    if target_id == ticket_id:
        raise Conflict("a ticket cannot be merged into itself")  # a valid ID, the wrong one

    async def work(uow: UnitOfWork) -> Ticket:
        duplicate = await uow.tickets.get(ticket_id, for_update=True)
        kept = await uow.tickets.get(target_id, for_update=True)
        if kept.status is TicketStatus.CLOSED:
            raise Conflict(f"{kept.public_id} is closed; merge into an open ticket")
        if (await uow.links.of(kept.id)).get(MERGED_INTO):
            raise Conflict(f"{kept.public_id} was itself merged; merge into the ticket it joined")
        actor, now = actor_of(agent), desk.clock()
        await desk.transition(
            uow, duplicate, TicketAction.MERGE, actor, detail=f"merged into {kept.public_id}"
        )
        await uow.links.add(duplicate.id, MERGED_INTO, kept.id, now)
        await uow.links.move_messages(duplicate.id, kept.id)
        await add_tags(uow, desk, kept, await uow.tags.of(duplicate.id), actor)
        await uow.events.add(
            TicketEvent(kept.id, actor, "merged", new=duplicate.public_id, created_at=now)
        )
        await _refile_conversation(uow, desk, duplicate, kept)
        return kept

    return await store.write(work)


async def _refile_conversation(
    uow: UnitOfWork, desk: Desk, duplicate: Ticket, kept: Ticket
) -> None:
    conversation = await uow.conversations.get(duplicate.conversation_id)
    if conversation.ticket_id != duplicate.id or conversation.id == kept.conversation_id:
        return
    main = await uow.conversations.get(kept.conversation_id)
    conversation.ticket_id = kept.id
    conversation.dialogue = None
    # the conversation follows the kept ticket's owner, by the lifecycle's named moves (a closed
    # one, such as a problem ticket's internal conversation, stays closed)
    with_agent = ConversationState.WITH_AGENT
    if conversation.state is ConversationState.CLOSED:
        pass
    elif main.state is with_agent and conversation.state is not with_agent:
        conversation.move(ConversationAction.TAKE_OVER)
    elif main.state is not with_agent and kept.status.is_open:
        conversation.move(ConversationAction.HAND_OFF)
    await uow.conversations.save(conversation, desk.clock())
    await desk.say(
        uow,
        conversation,
        merged_text(duplicate.public_id, kept.public_id),
        ticket_id=kept.id,
    )


async def also_tell_merged(
    uow: UnitOfWork, desk: Desk, ticket: Ticket, text: str, agent: Agent
) -> None:
    """An agent's reply also reaches the customers whose duplicates were merged into ``ticket``."""
    for conversation in await uow.links.conversations_filed_on(ticket.id):
        if conversation.id != ticket.conversation_id:
            await desk.say(
                uow,
                conversation,
                text,
                sender=SenderKind.AGENT,
                agent_id=agent.id,
                agent_name=agent.name,
                team=ticket.team,
                ticket_id=ticket.id,
            )


async def link_problem(
    store: Store, desk: Desk, agent: Agent, ticket_id: int, problem: Any
) -> Ticket:
    problem_id = ticket_ref(problem, "problem")
    if problem_id == ticket_id:
        raise Conflict("a ticket cannot be its own problem")

    async def work(uow: UnitOfWork) -> Ticket:
        ticket = await uow.tickets.get(ticket_id, for_update=True)
        found = await uow.tickets.get(problem_id)
        if found.type is not TicketType.PROBLEM:
            raise ValidationError(
                f'{found.public_id} is a {found.type.value}, not a problem: PATCH its "type" first'
            )
        if ticket.problem_id == found.id:
            return ticket
        # A customer's ticket the classifier typed "problem" (a recurring issue) may still be
        # filed under the team's problem record; only a problem others hang on cannot, and a
        # problem filed under another one cannot take incidents: links stay one level deep.
        if await uow.problems.linked(ticket.id):
            raise Conflict(f"tickets are linked to {ticket.public_id}: unlink them first")
        if found.problem_id is not None:
            raise Conflict(
                f"{found.public_id} is linked to {format_ticket_id(found.problem_id)}; "
                "link to that problem instead"
            )
        if ticket.problem_id is not None:
            raise Conflict(
                f"{ticket.public_id} is linked to {format_ticket_id(ticket.problem_id)}; "
                "unlink it first"
            )
        actor, now = actor_of(agent), desk.clock()
        await uow.links.set_problem(ticket.id, found.id)
        ticket.problem_id = found.id
        await uow.events.add(
            TicketEvent(ticket.id, actor, LINKED_EVENT, new=found.public_id, created_at=now)
        )
        await uow.events.add(
            TicketEvent(found.id, actor, LINKED_EVENT, new=ticket.public_id, created_at=now)
        )
        desk.ticket_changed(uow, ticket.id)
        desk.ticket_changed(uow, found.id)
        return ticket

    return await store.write(work)


async def unlink_problem(store: Store, desk: Desk, agent: Agent, ticket_id: int) -> Ticket:
    async def work(uow: UnitOfWork) -> Ticket:
        ticket = await uow.tickets.get(ticket_id, for_update=True)
        if ticket.problem_id is None:
            return ticket
        old = format_ticket_id(ticket.problem_id)
        actor, now = actor_of(agent), desk.clock()
        await uow.links.set_problem(ticket.id, None)
        await uow.events.add(TicketEvent(ticket.id, actor, UNLINKED_EVENT, old, created_at=now))
        await uow.events.add(
            TicketEvent(ticket.problem_id, actor, UNLINKED_EVENT, ticket.public_id, created_at=now)
        )
        desk.ticket_changed(uow, ticket.id)
        desk.ticket_changed(uow, ticket.problem_id)
        ticket.problem_id = None
        return ticket

    return await store.write(work)
