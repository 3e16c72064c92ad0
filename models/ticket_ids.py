"""Customer-visible ticket IDs: ``FD-1001`` for the ticket stored with id 1."""

from __future__ import annotations

import re

from .errors import InvalidTicketId

PREFIX = "FD"
OFFSET = 1000
_PATTERN = re.compile(rf"^\s*(?:{PREFIX}-?)?(\d{{1,12}})\s*$", re.IGNORECASE)


def format_ticket_id(ticket_id: int) -> str:
    return f"{PREFIX}-{ticket_id + OFFSET}"


def parse_ticket_id(text: str) -> int:
    """The store id for ``FD-1042`` (or ``fd1042``, ``1042``); raises :class:`InvalidTicketId`."""
    match = _PATTERN.match(text)
    if not match or int(match.group(1)) <= OFFSET:
        raise InvalidTicketId(f"{text!r} is not a ticket ID like {PREFIX}-{OFFSET + 1}")
    return int(match.group(1)) - OFFSET
