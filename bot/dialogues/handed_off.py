"""While the agents own the conversation: the bot files what the customer writes on the
ticket and stays silent (with an agent) or acknowledges once (waiting in the queue,
``QueueAcknowledged``), after reading the answer to the identity question asked at the hand-off
(``service/identity.py``). :class:`HandedOff` is the engine's driver for those states, and for a
conversation released back to the bot while its ticket is still open."""

from __future__ import annotations

from models import (
    ConversationState,
    QueueAcknowledged,
    TicketAction,
    TicketStatus,
    format_ticket_id,
)
from models.texts import _
from service.identity import read_answer

from ..dialogue import Turn
from . import opening


async def while_waiting(turn: Turn) -> bool:
    """In the agents' queue: file the message on the ticket and say so once. ``False`` when
    there is no ticket to file it on (the engine then treats it as a new issue)."""
    if turn.ticket is None:
        return False
    await file_on_ticket(turn)
    await customer_replied(turn)
    if await read_answer(turn.desk, turn.uow, turn.conversation, turn.customer, turn.message.text):
        return True  # their name or email (or "skip"), asked after the hand-off
    if not isinstance(turn.conversation.dialogue, QueueAcknowledged):
        turn.conversation.dialogue = QueueAcknowledged()
        await turn.desk.uow_save_conversation(turn.uow, turn.conversation)
        await turn.say(
            _(
                "Thanks, I've added that to ticket {ticket}. An agent will reply here as soon "
                "as possible.",
                ticket=format_ticket_id(turn.ticket.id),
            )
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


class HandedOff:
    """The engine's driver while the agents own the conversation. The engine picks it by the
    conversation's state, not by a dialogue value (``QueueAcknowledged`` is only its note that
    the customer has been told once)."""

    dialogues = ()

    async def on_text(self, turn: Turn) -> bool:
        """``False`` when there is no ticket to file the message on (a new issue)."""
        if turn.conversation.state is ConversationState.WITH_AGENT:
            await while_with_agent(turn)
            return True
        return await while_waiting(turn)

    async def on_button(self, turn: Turn, payload: str) -> bool:
        return False  # the agents own the conversation: the bot's buttons are no longer active

    async def back_with_open_ticket(self, turn: Turn) -> bool:
        """Released back to the bot, yet the ticket is still open: keep the customer with it."""
        if turn.ticket is None or not turn.ticket.status.is_open:
            return False
        await file_on_ticket(turn)
        await customer_replied(turn)
        await turn.say(opening.added_to_ticket(turn.ticket.id))
        await turn.hand_off("customer wrote again on an open ticket")
        return True
