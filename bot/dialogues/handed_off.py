"""While the agents own the conversation: the bot files what the customer writes on the
ticket and stays silent (with an agent) or acknowledges once (waiting in the queue)."""

from __future__ import annotations

from models import TicketAction, TicketStatus, format_ticket_id

from ..dialogue import Turn

QUEUED = "queued"
"""``conversation.dialogue["kind"]`` once the queued customer has been acknowledged."""


async def while_waiting(turn: Turn) -> bool:
    """In the agents' queue: file the message on the ticket and say so once. ``False`` when
    there is no ticket to file it on (the engine then treats it as a new issue)."""
    if turn.ticket is None:
        return False
    await file_on_ticket(turn)
    await customer_replied(turn)
    dialogue = turn.conversation.dialogue or {}
    if not dialogue.get("acked"):
        turn.conversation.dialogue = {"kind": QUEUED, "acked": True}
        await turn.desk.uow_save_conversation(turn.uow, turn.conversation)
        await turn.say(
            f"Thanks, I've added that to ticket {format_ticket_id(turn.ticket.id)}. "
            "An agent will reply here as soon as possible."
        )
    turn.desk.ticket_changed(turn.uow, turn.ticket.id)
    return True


async def while_with_agent(turn: Turn) -> None:
    """The agent owns the conversation: the bot only files the message on the ticket."""
    if turn.ticket is None:
        return
    await file_on_ticket(turn)
    await customer_replied(turn)
    turn.desk.ticket_changed(turn.uow, turn.ticket.id)


async def file_on_ticket(turn: Turn) -> None:
    """The message belongs to the ticket (stored with it already when it was current then)."""
    assert turn.ticket is not None
    if turn.message.ticket_id != turn.ticket.id:
        await turn.uow.messages.attach_to_ticket(turn.message.id, turn.ticket.id)
        turn.message.ticket_id = turn.ticket.id


async def customer_replied(turn: Turn) -> None:
    """A customer's reply always moves ``waiting_on_customer`` back, whoever has the chat."""
    if turn.ticket is not None and turn.ticket.status is TicketStatus.WAITING_ON_CUSTOMER:
        await turn.desk.transition(turn.uow, turn.ticket, TicketAction.CUSTOMER_REPLIED, "customer")
