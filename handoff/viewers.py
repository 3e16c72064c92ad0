"""Who else has a ticket open in the console: "Ann is viewing", "Ann is typing…".

Two agents answering one customer at once is the collision every help desk guards against, so
an open ticket page says so (``POST /api/agent/tickets/{id}/viewers``): ``viewing`` when it
opens and every 15 s while it stays open, ``typing`` (at most every 3 s) while the agent writes a
reply or a note, ``left`` when the page closes. Each signal is published on the event bus's
``viewers`` topic, which the console's event stream (``/console/events``) passes to every open
page as a ``viewers`` event; a page forgets a colleague it has not heard from in 40 s (typing:
6 s), so a crashed browser's presence fades by itself.

Nothing is stored: presence lives only as long as the signal, like the bus. On PostgreSQL the
bus relays every publish to the other processes (``store/pg_notify.py``), so an agent whose
console is served by another process sees the colleague too. A page that opens learns who is
already there because each page answers a newcomer's ``viewing`` with its own at once.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from models import ValidationError, format_ticket_id

from .api import SESSION, agent_endpoint, json_body, services, ticket_id_of
from .viewer_board import VIEWERS_TOPIC

STATES = ("viewing", "typing", "left")


@agent_endpoint()
async def viewers(request: web.Request) -> web.Response:
    """I am viewing (or typing on, or leaving) this ticket: tell the colleagues who have it open."""
    svc, agent = services(request), request[SESSION].agent
    ticket_id, state = ticket_id_of(request), (await json_body(request)).get("state")
    if state not in STATES:
        raise ValidationError('"state" must be "viewing", "typing" or "left"')
    await svc.store.read(lambda uow: uow.tickets.get(ticket_id))  # 404 for an unknown ticket
    signal = {
        "ticket": format_ticket_id(ticket_id),
        "agent_id": agent.id,
        "agent": agent.name,
        "state": state,
    }
    svc.bus.publish(VIEWERS_TOPIC, signal)
    return web.json_response(signal)


@agent_endpoint()
async def who_views(request: web.Request) -> web.Response:
    """Who has which ticket open now (``handoff/viewer_board.py``): the queue's first look."""
    return web.json_response({"viewers": services(request).viewers.current()})


def viewers_event(signal: Any) -> bytes:
    """One server-sent ``viewers`` event for a published signal (only the known fields)."""
    fields = ("ticket", "agent_id", "agent", "state")
    data = {k: signal.get(k) for k in fields} if isinstance(signal, dict) else {}
    return f"event: viewers\ndata: {json.dumps(data)}\n\n".encode()


def add_viewer_routes(app: web.Application) -> None:
    app.router.add_post("/api/agent/tickets/{ticket_id}/viewers", viewers)
    app.router.add_get("/api/agent/viewers", who_views)
