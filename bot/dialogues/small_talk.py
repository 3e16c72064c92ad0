"""Thanks, a compliment, goodbye: the customer is closing the loop, not reporting a problem.

The bot answers in kind and opens nothing. What it says depends on the conversation's ticket:
after a resolution it is glad it's sorted; while the ticket is still open it says the ticket
stays open (and files the message on it, for the agent); with no ticket it offers more help.
``NewIssue.small_talk`` (``bot/new_issue.py``) decides, only when the classifier is sure the
message is one of ``SMALL_TALK`` (unsure: the usual clarifying question, so a problem phrased
politely still gets its ticket); the engine asks it before an open ticket would take the
message back to the agents' queue, and before a new issue.
"""

from __future__ import annotations

from models import CsatPrompt, format_ticket_id
from models.texts import Text, _

from ..dialogue import GOODBYE_INTENT, THANKS_INTENT, Turn
from .handed_off import file_on_ticket

SMALL_TALK = (THANKS_INTENT, GOODBYE_INTENT)
"""Intents that close the loop (the catalog's ``conversation`` kind, besides a greeting and
asking for a person)."""


def closing_words(intent: str, ticket_open: str | None, resolved: bool) -> Text:
    """The bot's answer to thanks or goodbye: ``ticket_open`` is the open ticket's public ID,
    ``resolved`` whether the conversation's ticket was resolved (or closed)."""
    thanks = intent == THANKS_INTENT
    if ticket_open is not None:
        if thanks:
            return _(
                "You're welcome! Ticket {ticket} is still open; we'll follow up here.",
                ticket=ticket_open,
            )
        return _("Goodbye! Ticket {ticket} stays open, and we'll reply here.", ticket=ticket_open)
    if resolved:
        if thanks:
            return _(
                "You're welcome — glad it's sorted. If anything else comes up, just write here."
            )
        return _("Goodbye — glad it's sorted. If anything else comes up, just write here.")
    if thanks:
        return _("You're welcome! Is there anything else I can help you with?")
    return _("Goodbye! If you need anything, just write here.")


async def close_the_loop(turn: Turn) -> None:
    """Answer thanks or goodbye (``turn.prediction`` is one of ``SMALL_TALK``)."""
    assert turn.prediction is not None
    ticket = turn.ticket
    still_open = ticket is not None and ticket.status.is_open
    thanks = turn.prediction.intent == THANKS_INTENT
    if not (thanks and isinstance(turn.conversation.dialogue, CsatPrompt)):
        turn.conversation.dialogue = None  # e.g. the CSAT prompt it answered instead of rating
    await turn.desk.uow_save_conversation(turn.uow, turn.conversation)
    if still_open:
        assert ticket is not None
        await file_on_ticket(turn)
        turn.desk.ticket_changed(turn.uow, ticket.id)
    public = format_ticket_id(ticket.id) if still_open and ticket is not None else None
    await turn.say(closing_words(turn.prediction.intent, public, ticket is not None))
