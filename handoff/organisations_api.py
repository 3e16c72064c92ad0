"""Organisations over the agent API (admins): the companies customers belong to, each with
its email domains (``models/organisations.py``). A customer's organisation in the console is
the stored one of their email's domain, else the domain itself (``handoff/views.py``)."""

from __future__ import annotations

from aiohttp import web

from models import AgentRole, ValidationError
from models.organisations import organisation_fields

from .api import agent_endpoint, json_body, services


def _organisation_id(request: web.Request) -> int:
    raw = request.match_info["organisation_id"]
    if not raw.isdigit() or len(raw) > 18:
        raise ValidationError("an organisation id is a number")
    return int(raw)


@agent_endpoint(AgentRole.ADMIN)
async def list_organisations(request: web.Request) -> web.Response:
    found = await services(request).store.read(lambda uow: uow.organisations.list())
    return web.json_response({"organisations": [o.json() for o in found]})


@agent_endpoint(AgentRole.ADMIN)
async def create_organisation(request: web.Request) -> web.Response:
    """``{"name", "domains": [...]}``; 409 when the name or a domain is taken."""
    svc = services(request)
    fields = organisation_fields(await json_body(request), partial=False)
    made = await svc.store.write(
        lambda uow: uow.organisations.add(fields["name"], fields["domains"], svc.desk.clock())
    )
    return web.json_response({"organisation": made.json()}, status=201)


@agent_endpoint(AgentRole.ADMIN)
async def change_organisation(request: web.Request) -> web.Response:
    """``name`` and/or ``domains`` (the whole new list)."""
    svc, organisation_id = services(request), _organisation_id(request)
    fields = organisation_fields(await json_body(request), partial=True)
    changed = await svc.store.write(
        lambda uow: uow.organisations.change(
            organisation_id, fields.get("name"), fields.get("domains")
        )
    )
    return web.json_response({"organisation": changed.json()})


@agent_endpoint(AgentRole.ADMIN)
async def delete_organisation(request: web.Request) -> web.Response:
    svc, organisation_id = services(request), _organisation_id(request)
    await svc.store.write(lambda uow: uow.organisations.remove(organisation_id))
    return web.json_response({"deleted": organisation_id})


def add_organisation_routes(app: web.Application) -> None:
    app.router.add_get("/api/agent/organisations", list_organisations)
    app.router.add_post("/api/agent/organisations", create_organisation)
    app.router.add_patch("/api/agent/organisations/{organisation_id}", change_organisation)
    app.router.add_delete("/api/agent/organisations/{organisation_id}", delete_organisation)
