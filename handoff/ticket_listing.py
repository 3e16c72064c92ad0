"""Tickets as the CLI lists them (``frontdesk tickets list --json [--q] [--tag]``): the queue's
summary with tags, and for a search the snippet, best match first."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from models import TicketFilter

from .search import find, snippet_fields
from .views import ticket_summary

if TYPE_CHECKING:
    from store.unit_of_work import UnitOfWork


async def list_tickets(
    uow: UnitOfWork, flt: TicketFilter, query: str | None = None
) -> list[dict[str, Any]]:
    hits = {h.ticket_id: h for h in await find(uow, query, limit=flt.limit)} if query else {}
    found = await uow.tickets.list(replace(flt, ids=list(hits)) if query else flt)
    if query:
        rank = {ticket_id: i for i, ticket_id in enumerate(hits)}
        found.sort(key=lambda t: rank[t.id])
    tags = await uow.tags.for_tickets([t.id for t in found])
    out = []
    for ticket in found:
        item = {**ticket_summary(ticket), "tags": tags.get(ticket.id, [])}
        if query:
            item.update(snippet_fields(hits[ticket.id]))
        out.append(item)
    return out
