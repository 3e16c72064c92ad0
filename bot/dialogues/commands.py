"""The customer's commands (``/status``, ``/new``, ``/help``), on every channel alike."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from models import ConversationAction, TicketFilter, format_ticket_id
from models.texts import STATUSES, _, joined, word

from ..dialogue import Turn

NewIssue = Callable[[Turn], Awaitable[None]]
"""The engine's: treat the turn's text as a new problem."""


async def on_command(turn: Turn, command: str, new_issue: NewIssue) -> None:
    """/status lists open tickets, /new (or /ticket) starts anew, anything else is help."""
    if command == "status":
        ids = await turn.uow.customers.identities(turn.customer)
        open_tickets = await turn.uow.tickets.list(
            TicketFilter(customer_ids=ids, open_only=True, limit=10)
        )
        if not open_tickets:
            await turn.say(_("You have no open tickets."))
            return
        lines = [
            _(
                "{ticket}: {status} - {description}",
                ticket=format_ticket_id(t.id),
                status=word(STATUSES.get(t.status.value, t.status.value)),
                description=t.description[:60],
            )
            for t in open_tickets
        ]
        await turn.say(_("Your open tickets:\n{tickets}", tickets=joined(lines)))
    elif command in ("new", "ticket"):
        turn.conversation.ticket_id = None
        turn.conversation.dialogue = None
        turn.conversation.move(ConversationAction.START_ANEW)
        await turn.desk.uow_save_conversation(turn.uow, turn.conversation)
        rest = turn.message.text.split(" ", 1)
        if len(rest) == 2 and rest[1].strip():
            turn.message.text = rest[1].strip()
            turn.prediction = None
            turn.ticket = None
            await new_issue(turn)
        else:
            await turn.say(_("Sure, let's start a new ticket. What can I help you with?"))
    else:  # /start, /help and anything unknown
        await turn.say(
            _(
                "Hi! I'm the support assistant. Describe your problem or request and I'll open "
                "a ticket. Commands: /status lists your open tickets, /new starts a new ticket."
            )
        )
