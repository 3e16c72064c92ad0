"""Finding tickets: the queue's ``?q=`` over the store's full-text search, plus a ticket ID
typed as such (``FD-1042`` finds that ticket first)."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

from models import InvalidTicketId, NotFound, parse_ticket_id

if TYPE_CHECKING:
    from store.search import SearchHit
    from store.unit_of_work import UnitOfWork

HIT_START, HIT_END = "\x02", "\x03"  # store.search's markers
MAX_QUERY = 200


async def find(uow: UnitOfWork, query: str, limit: int = 50) -> list[SearchHit]:
    """Tickets matching ``query``, best first; a ticket ID matches its ticket first."""
    from store.search import SearchHit

    query = query.strip()[:MAX_QUERY]
    hits = await uow.search.tickets(query, limit=limit)
    try:
        by_id = parse_ticket_id(query)
        ticket = await uow.tickets.get(by_id)
    except (InvalidTicketId, NotFound):
        return hits
    rest = [h for h in hits if h.ticket_id != ticket.id]
    return [SearchHit(ticket.id, float("inf"), ticket.description[:160]), *rest][:limit]


def snippet_fields(hit: SearchHit) -> dict[str, Any]:
    """The snippet as plain text and as escaped HTML with ``<mark>`` around the hits."""
    plain = hit.snippet.replace(HIT_START, "").replace(HIT_END, "")
    marked = html.escape(hit.snippet).replace(HIT_START, "<mark>").replace(HIT_END, "</mark>")
    score = hit.score if hit.score != float("inf") else None
    return {"snippet": plain, "snippet_html": marked, "score": score}
