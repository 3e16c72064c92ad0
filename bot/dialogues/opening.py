"""What the engine itself tells a customer when a new issue starts (as translatable texts,
models/texts): the greeting, the ticket it opened and who takes care of it."""

from __future__ import annotations

from models import Ticket, format_ticket_id
from models.texts import PRIORITIES, TICKET_TYPES, Text, _, word

GREETING = _(
    "Hello! I'm the support assistant. Tell me what's wrong or what you need, and I'll open a "
    "ticket and take care of it."
)
TOO_MANY_TICKETS = _(
    "You have opened many requests from this connection in the last hour, so I can't open "
    "another one just now. Please try again later; your open requests are still being handled."
)
STALE_BUTTON = _("Sorry, that button is no longer active. Please type your message instead.")


def added_to_ticket(ticket_id: int) -> Text:
    return _(
        "I've added this to your ticket {ticket}. An agent will pick it up here.",
        ticket=format_ticket_id(ticket_id),
    )


def fulfilling(ticket: Ticket) -> Text:
    return _(
        "Thanks! I've opened ticket {ticket} for this ({type}). I can take care of it myself.",
        ticket=format_ticket_id(ticket.id),
        type=word(TICKET_TYPES[ticket.type.value]),
    )


def handed_to_agents(ticket: Ticket, promise: Text, asked_for_a_person: bool) -> Text:
    lead = (
        _("Of course, I'll get you a human agent.")
        if asked_for_a_person
        else _("Thanks for the details.")
    )
    return _(
        "{lead} I've opened ticket {ticket} ({type}, {priority} priority). A human agent will "
        "take over this conversation; expect a first reply {promise}. You can add anything "
        "else here in the meantime.",
        lead=lead,
        ticket=format_ticket_id(ticket.id),
        type=word(TICKET_TYPES[ticket.type.value]),
        priority=word(PRIORITIES[ticket.priority.value]),
        promise=promise,
    )
