"""Who the customer is, asked once a ticket is handed off and read from their answer.

A customer waiting for an agent is asked for what the desk lacks (a name, an email address),
once per ticket: the agent then greets them by name and can reach them after the chat ends. The
question never blocks anything: "skip" declines, and a message that is not an answer (the
customer goes on about their problem) is handled exactly as it would have been without the
question. Nothing is asked on a channel that already says who the customer is (email), or of a
customer whose name and address are known. The answer goes in the ticket's history.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from models import (
    ChannelKind,
    Conversation,
    ConversationState,
    Customer,
    IdentityQuestion,
    QueueAcknowledged,
    Ticket,
    TicketEvent,
)
from models.identity import known_name, read_identity
from models.texts import Text, _

if TYPE_CHECKING:
    from .unit_of_work import UnitOfWork


class Desk(Protocol):
    """What this module uses of ``service.desk.Desk`` (which calls it: no import circle)."""

    @property
    def clock(self) -> Callable[[], datetime]: ...

    async def say(
        self, uow: UnitOfWork, conversation: Conversation, text: str | Text, *, language: str | None
    ) -> object: ...

    def ticket_changed(self, uow: UnitOfWork, ticket_id: int | None) -> None: ...


TOLD = "identity"  # the ticket event that records what the customer told


def question_text(wants: IdentityQuestion) -> Text:
    """The words that ask for what is missing."""
    if wants.name and wants.email:
        return _(
            "While you wait: what name and email address should our team use for you? "
            'Or write "skip".'
        )
    if wants.name:
        return _('While you wait: what name should our team call you? Or write "skip".')
    return _(
        "While you wait: what email address can our team reach you at if the chat ends? "
        'Or write "skip".'
    )


async def identity_question(
    uow: UnitOfWork, conversation: Conversation, ticket: Ticket, customer: Customer
) -> IdentityQuestion | None:
    """What to ask at this hand-off (the conversation's new dialogue), or ``None``: asked only
    at a ticket's first hand-off, in a chat (email says who writes), for what is missing."""
    wants = IdentityQuestion(ticket.id, not known_name(customer.display_name), not customer.email)
    if (
        conversation.channel is ChannelKind.EMAIL
        or conversation.state is not ConversationState.WAITING_FOR_AGENT
        or not (wants.name or wants.email)
        or await uow.events.has_kind(ticket.id, "handoff")
    ):
        return None
    return wants


async def read_answer(
    desk: Desk,
    uow: UnitOfWork,
    conversation: Conversation,
    customer: Customer,
    text: str,
) -> bool:
    """The customer's message while the identity question is open. ``True``: it answered (or
    declined), which is stored and acknowledged; ``False``: it is not an answer, the question
    is dropped and the caller handles the message as any other."""
    wants = conversation.dialogue
    if not isinstance(wants, IdentityQuestion):
        return False
    answer = read_identity(text)
    # only what was asked for: a platform's display name (Telegram's) follows the platform
    name = answer.name if wants.name else None
    email = answer.email if wants.email else None
    if not (answer.skipped or name or email):
        conversation.dialogue = None  # the caller saves it, acknowledging the message
        return False
    conversation.dialogue = QueueAcknowledged()
    await uow.conversations.save(conversation, desk.clock())
    if answer.skipped:
        said = _("No problem. An agent will reply here as soon as possible.")
    else:
        if name:
            await uow.customers.follow_profile(customer, name)  # the name they gave
        if email:  # said in a chat, not proven: never links identities (person_id)
            await uow.customers.set_email(customer.id, email, verified=False)
            customer.email = email
        told = "; ".join(f"{k}={v}" for k, v in (("name", name), ("email", email)) if v)
        await uow.events.add(
            TicketEvent(wants.ticket_id, "customer", TOLD, detail=told, created_at=desk.clock())
        )
        said = _("Thank you, I've passed that on. An agent will reply here as soon as possible.")
    await desk.say(uow, conversation, said, language=customer.language)
    desk.ticket_changed(uow, wants.ticket_id)
    return True
