"""Tags on tickets: free words agents (and macros, and routing) put on tickets to find and
count them (``?tag=``, ``frontdesk report --by tag``)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from models import Ticket, TicketEvent, ValidationError

if TYPE_CHECKING:
    from service.desk import Desk
    from service.unit_of_work import UnitOfWork

TAG = re.compile(r"^[\w][\w.:-]{0,63}$")
MAX_TAGS = 20


def parse_tags(value: Any) -> list[str]:
    """A list of tags from JSON input: lower-cased, de-duplicated, sorted; else ValidationError."""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValidationError('"tags" must be a list of words, e.g. ["billing", "vip"]')
    tags = sorted({v.strip().lower() for v in value if v.strip()})
    bad = [tag for tag in tags if not TAG.match(tag)]
    if bad:
        raise ValidationError(
            "a tag is one word of letters, digits, '_', '-', '.' or ':' (at most 64 characters); "
            f"not {bad[0]!r}"
        )
    if len(tags) > MAX_TAGS:
        raise ValidationError(f"at most {MAX_TAGS} tags per ticket")
    return tags


async def set_tags(
    uow: UnitOfWork, desk: Desk, ticket: Ticket, tags: Sequence[str], actor: str
) -> bool:
    """Replace the ticket's tags (audited); False when nothing changed."""
    old = await uow.tags.of(ticket.id)
    if sorted(old) == sorted(tags):
        return False
    await uow.tags.replace(ticket.id, tags)
    await uow.events.add(
        TicketEvent(
            ticket.id,
            actor,
            "field:tags",
            ", ".join(old) or None,
            ", ".join(tags) or None,
            created_at=desk.clock(),
        )
    )
    desk.ticket_changed(uow, ticket.id)
    return True


async def add_tags(
    uow: UnitOfWork, desk: Desk, ticket: Ticket, tags: Sequence[str], actor: str
) -> bool:
    """Add tags to the ones a ticket has (routing rules, merges)."""
    old = await uow.tags.of(ticket.id)
    return await set_tags(uow, desk, ticket, sorted(set(old) | set(tags)), actor)
