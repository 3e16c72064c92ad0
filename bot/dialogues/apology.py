"""A bug while handling a message: the customer gets a short apology and an agent, never
silence and never a stack trace; the message is marked processed so it is not retried forever."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from models import Prediction, Priority, TicketType
from models.texts import _

if TYPE_CHECKING:
    from service.desk import Desk
    from store.database import Store
    from store.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

APOLOGY = _(
    "Sorry, something went wrong on our side. I've passed your conversation to our support "
    "team and a human agent will get back to you here."
)
FALLBACK = Prediction(
    intent="unknown", type=TicketType.INCIDENT, priority=Priority.MEDIUM, confidence=0.0
)


async def apologise(store: Store, desk: Desk, message_id: int) -> None:
    """Apologise for message ``message_id`` and put its conversation in the agents' queue."""

    async def fallback(uow: UnitOfWork) -> None:
        if await uow.messages.is_processed(message_id):
            return
        await uow.messages.mark_processed(message_id, desk.clock())
        message = await uow.messages.get(message_id)
        conversation = await uow.conversations.get(message.conversation_id)
        customer = await uow.customers.get(conversation.customer_id)
        ticket = await uow.tickets.get(conversation.ticket_id) if conversation.ticket_id else None
        if ticket is None or not ticket.status.is_open:
            ticket = await desk.open_ticket(
                uow, conversation, customer, message.text or "(no text)", FALLBACK
            )
        await uow.messages.attach_to_ticket(message.id, ticket.id)
        await desk.say(uow, conversation, APOLOGY)
        await desk.hand_off(uow, conversation, ticket, "the bot failed on this message")

    try:
        await store.write(fallback)
    except Exception:
        log.exception("could not hand message %d to an agent after a failure", message_id)
