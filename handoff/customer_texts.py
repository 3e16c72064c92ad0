"""What the agents' side tells customers on its own (approvals, merges), as translatable texts:
``Desk.say`` puts them in each customer's language (see models/texts)."""

from __future__ import annotations

from models import format_ticket_id
from models.texts import Text, _


def approved(ticket_id: int, why: str) -> Text:
    if why:
        return _(
            "Good news: your request {ticket} has been approved ({why}). We are working on it now.",
            ticket=format_ticket_id(ticket_id),
            why=why,
        )
    return _(
        "Good news: your request {ticket} has been approved. We are working on it now.",
        ticket=format_ticket_id(ticket_id),
    )


def rejected(ticket_id: int, why: str) -> Text:
    return _(
        "We're sorry: your request {ticket} was not approved. Reason: {why}",
        ticket=format_ticket_id(ticket_id),
        why=why,
    )


def needs_approval(ticket_id: int) -> Text:
    return _(
        "Your request {ticket} needs a manager's approval before we start. We'll let you know "
        "here as soon as it is decided.",
        ticket=format_ticket_id(ticket_id),
    )


def merged(duplicate: str, kept: str) -> Text:
    return _(
        "Your request {duplicate} is about the same issue as {kept}, so we have merged them: "
        "we'll keep you updated here under {kept}.",
        duplicate=duplicate,
        kept=kept,
    )
