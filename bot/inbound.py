"""Storing a customer's inbound event: the lookups and inserts of ``Engine.accept``.

One statement finds the conversation at the event's address with its customer and current
ticket; the engine then either stores the message for its workers (when it must be classified
first) or handles it in the same transaction (a follow-up to agents, a command, a button), so
such a message costs one transaction, not two.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from models import (
    Conversation,
    ConversationState,
    Customer,
    Direction,
    Message,
    SenderKind,
    Ticket,
)

from .ports import InboundEvent

if TYPE_CHECKING:
    from service.unit_of_work import UnitOfWork


async def find_or_open(
    uow: UnitOfWork, event: InboundEvent, now: datetime
) -> tuple[Conversation, Customer, Ticket | None]:
    """The conversation the event belongs to (a new one after a closed one), its customer
    (created on first contact; name and language follow the platform) and current ticket."""
    found = await uow.turns.at(event.channel, event.address)
    conversation, customer, ticket = found if found else (None, None, None)
    if customer is not None and customer.external_id == event.user_id:
        await uow.customers.follow_profile(customer, event.display_name)
    else:
        customer = await uow.customers.get_or_create(
            event.channel, event.user_id, now, event.display_name, event.language
        )
    if conversation is None or conversation.state is ConversationState.CLOSED:
        conversation = await uow.conversations.add(
            Conversation(
                id=0, channel=event.channel, customer_id=customer.id, address=event.address
            ),
            now,
        )
        ticket = None
    return conversation, customer, ticket


async def store_message(
    uow: UnitOfWork,
    event: InboundEvent,
    conversation: Conversation,
    now: datetime,
    processed: bool,
    lease_until: datetime,
) -> Message:
    """The event as the conversation's next customer message (``DuplicateMessage`` if seen),
    leased to this process until ``lease_until`` unless ``processed`` (see bot/recovery.py)."""
    text = event.text
    if event.command:
        text = f"/{event.command}" + (f" {event.text}" if event.text else "")
    return await uow.messages.add(
        Message(
            id=0,
            conversation_id=conversation.id,
            seq=0,
            direction=Direction.INBOUND,
            sender=SenderKind.CUSTOMER,
            text=text,
            payload=event.payload,
            ticket_id=conversation.ticket_id,
            platform_message_id=event.platform_message_id,
        ),
        event.channel,
        now,
        processed=processed,
        claimed_until=lease_until,
    )
