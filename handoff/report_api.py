"""The support metrics over the agent JSON API (``GET /api/agent/report``, managers and admins).

The same report as ``frontdesk report --json`` and the console's Reports page: one builder
(:func:`handoff.reports.build_report`), so the three never disagree.
"""

from __future__ import annotations

from aiohttp import web

from models import AgentRole, ValidationError
from models.metrics import GROUPINGS, parse_period

from .api import agent_endpoint, services
from .reports import build_report


@agent_endpoint(AgentRole.MANAGER)
async def report(request: web.Request) -> web.Response:
    """``?since=&until=`` (YYYY-MM-DD or ISO-8601; the last 30 days by default), ``?by=``."""
    svc, query = services(request), request.query
    now = svc.desk.clock()
    try:
        period = parse_period(query.get("since") or None, query.get("until") or None, now)
    except ValueError as exc:
        raise ValidationError(str(exc)) from None
    by = query.get("by") or None
    if by is not None and by not in GROUPINGS:
        raise ValidationError(f"cannot break down by {by[:40]!r}: use {', '.join(GROUPINGS)}")
    hours = svc.desk.sla.business_hours
    built = await svc.store.read(lambda uow: build_report(uow, period, now, by=by, hours=hours))
    return web.json_response(built.as_json())
