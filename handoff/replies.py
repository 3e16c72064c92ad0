"""An agent's reply from the API and the console: typed text or a macro, and who may send it.

Ownership: a reply to the customer takes the ticket over (assigns it to the agent and silences
the bot), unless someone else owns the ticket: then it is refused with 409 naming the owner, and
the console asks before sending again with ``"take_over": true`` (which only a manager may do to
a colleague's ticket, as with claiming). Internal notes never change ownership.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from models import Agent, Conflict, ConversationState, Message, ValidationError

from .commands import Reply
from .macros import MacroBook
from .ticket_changes import MAX_TEXT, TicketChanges

if TYPE_CHECKING:
    from store.unit_of_work import UnitOfWork

    from .service import HandoffServices


class OwnedBySomeoneElse(Conflict):
    """The ticket is assigned to another agent; ``details`` names them (in the 409 body)."""

    def __init__(self, message: str, owner: dict[str, Any]) -> None:
        super().__init__(message)
        self.details = {"owner": owner}


async def send_reply(
    svc: HandoffServices, agent: Agent, ticket_id: int, body: dict[str, Any]
) -> Message:
    """POST /tickets/{id}/messages: ``{"text"}`` or ``{"macro": id}``, optionally ``internal``."""
    internal = body.get("internal", False)
    if not isinstance(internal, bool):
        raise ValidationError('"internal" must be true or false')
    changes: dict[str, Any] = {}
    text = body.get("text")
    if "macro" in body:
        if text is not None:
            raise ValidationError('send "text" or "macro", not both')
        text, changes = await MacroBook(svc.store, svc.desk.clock).rendered(
            agent, body["macro"], ticket_id
        )
    if not isinstance(text, str) or not text.strip() or len(text) > MAX_TEXT:
        raise ValidationError(f'"text" must be a non-empty string of at most {MAX_TEXT} characters')
    if not internal:
        await take_over_to_reply(svc, agent, ticket_id, body.get("take_over") is True)
    message = await svc.actions.reply(agent, ticket_id, Reply.of(text, internal))
    if svc.typing is not None and not internal:
        svc.typing.stopped(message.conversation_id)  # the widget's "Ann is typing" ends
    if changes:
        await _apply(svc, agent, ticket_id, changes, str(text))
    return message


async def take_over_to_reply(
    svc: HandoffServices, agent: Agent, ticket_id: int, take_over: bool
) -> None:
    async def read(uow: UnitOfWork) -> tuple[Any, Agent | None, bool]:
        ticket = await uow.tickets.get(ticket_id)
        conversation = await uow.conversations.get(ticket.conversation_id)
        owner = await uow.agents.get(ticket.assignee_id) if ticket.assignee_id else None
        talking = (
            conversation.ticket_id != ticket.id
            or conversation.state is ConversationState.WITH_AGENT
        )
        return ticket, owner, talking

    ticket, owner, talking = await svc.store.read(read)
    if owner is not None and owner.id != agent.id and not take_over:
        raise OwnedBySomeoneElse(
            f"{ticket.public_id} is owned by {owner.name} ({owner.email}); "
            'ask them, or send again with "take_over": true',
            {"id": owner.id, "name": owner.name, "email": owner.email},
        )
    if not ticket.status.is_open or (owner is not None and owner.id == agent.id and talking):
        return
    await svc.actions.claim(agent, ticket_id)


async def _apply(
    svc: HandoffServices, agent: Agent, ticket_id: int, changes: dict[str, Any], text: str
) -> None:
    """A macro's ``set``, after its message; a status the ticket has already is no change."""
    current = await svc.store.read(lambda uow: uow.tickets.get(ticket_id))
    if changes.get("status") == current.status.value:
        changes.pop("status")
    if changes.get("status") == "resolved":
        changes["resolution"] = text
    if changes:
        await svc.actions.update(agent, ticket_id, TicketChanges.parse(changes))
