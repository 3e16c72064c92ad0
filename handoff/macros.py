"""Macros (canned replies): a text with placeholders, and what sending it also sets.

Placeholders are a closed list (``{{customer.name}}``, ``{{ticket.id}}``, ``{{agent.name}}``...)
replaced in one pass by plain text: a value is never expanded again, nothing is evaluated, and
an unknown placeholder is refused when the macro is saved, not discovered by a customer.
Personal macros belong to their author; shared ones (``"shared": true``) are made and edited by
managers and admins.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from models import (
    Agent,
    AgentRole,
    Customer,
    NotFound,
    Priority,
    Ticket,
    TicketStatus,
    ValidationError,
)
from models.identity import known_name
from models.inputs import clean_text, parse_row_id

from .auth import require_role
from .tags import parse_tags

if TYPE_CHECKING:
    from store.database import Store
    from store.unit_of_work import UnitOfWork
    from store.workspace import Macro

PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+(?:\.[a-z_]+)?)\s*\}\}")
PLACEHOLDERS = (
    "customer.name",
    "customer.email",
    "ticket.id",
    "ticket.status",
    "agent.name",
    "agent.email",
)
SETTABLE = ("status", "tags", "priority")
MAX_NAME, MAX_TEXT = 120, 4000


def check_text(text: Any) -> str:
    if not isinstance(text, str) or not text.strip():
        raise ValidationError('"text" must be a non-empty string')
    text = clean_text(text, '"text"')
    if len(text) > MAX_TEXT:
        raise ValidationError(f'"text" is longer than {MAX_TEXT} characters')
    unknown = sorted({p for p in PLACEHOLDER.findall(text) if p not in PLACEHOLDERS})
    if unknown:
        known = ", ".join("{{" + p + "}}" for p in PLACEHOLDERS)
        raise ValidationError(f"unknown placeholder {{{{{unknown[0]}}}}}; use {known}")
    return text.strip()


def check_set(value: Any) -> dict[str, Any]:
    """What a macro sets when sent: a status, tags and/or a priority (validated now)."""
    if value is None:
        return {}
    if not isinstance(value, dict) or set(value) - set(SETTABLE):
        raise ValidationError(f'"set" must be an object with any of {", ".join(SETTABLE)}')
    out: dict[str, Any] = {}
    if "status" in value:
        if value["status"] not in {s.value for s in TicketStatus}:
            raise ValidationError(f'"set.status": unknown status {value["status"]!r}')
        out["status"] = value["status"]
    if "priority" in value:
        if value["priority"] not in {p.value for p in Priority}:
            raise ValidationError(f'"set.priority": unknown priority {value["priority"]!r}')
        out["priority"] = value["priority"]
    if "tags" in value:
        out["tags"] = parse_tags(value["tags"])
    return out


def render(text: str, values: Mapping[str, str]) -> str:
    """Replace each known placeholder by its value, once; values are inserted verbatim."""
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def values_for(ticket: Ticket, customer: Customer, agent: Agent) -> dict[str, str]:
    return {
        "customer.name": customer.display_name if known_name(customer.display_name) else "there",
        "customer.email": customer.email or "",
        "ticket.id": ticket.public_id,
        "ticket.status": ticket.status.value.replace("_", " "),
        "agent.name": agent.name,
        "agent.email": agent.email,
    }


def macro_json(macro: Macro) -> dict[str, Any]:
    return {
        "id": macro.id,
        "name": macro.name,
        "text": macro.text,
        "set": macro.set,
        "shared": macro.owner_id is None,
        "owner_id": macro.owner_id,
        "updated_at": macro.updated_at.isoformat() if macro.updated_at else None,
    }


def _name(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError('"name" must be a non-empty string')
    return clean_text(value.strip()[:MAX_NAME], '"name"')


def _may_edit(agent: Agent, macro: Macro) -> None:
    if macro.owner_id is None:
        require_role(agent, AgentRole.MANAGER, "change a shared macro")
    elif macro.owner_id != agent.id:
        raise NotFound(f"macro {macro.id} does not exist")  # others' personal macros are private


class MacroBook:
    """Create, list, change and delete macros; render one for a ticket."""

    def __init__(self, store: Store, clock: Any) -> None:
        self.store = store
        self.clock = clock

    async def visible(self, agent: Agent) -> list[Macro]:
        return await self.store.read(lambda uow: uow.macros.visible_to(agent.id))

    async def create(self, agent: Agent, body: dict[str, Any]) -> Macro:
        from store.workspace import Macro

        shared = body.get("shared", False)
        if not isinstance(shared, bool):
            raise ValidationError('"shared" must be true or false')
        if shared:
            require_role(agent, AgentRole.MANAGER, "share a macro with every agent")
        macro = Macro(
            id=0,
            name=_name(body.get("name")),
            text=check_text(body.get("text")),
            set=check_set(body.get("set")),
            owner_id=None if shared else agent.id,
        )
        now = self.clock()
        return await self.store.write(lambda uow: uow.macros.add(macro, now))

    async def change(self, agent: Agent, macro_id: int, body: dict[str, Any]) -> Macro:
        unknown = set(body) - {"name", "text", "set", "shared"}
        if unknown or not body:
            raise ValidationError('send any of "name", "text", "set", "shared"')

        async def work(uow: UnitOfWork) -> Macro:
            macro = await self.get(uow, agent, macro_id)
            _may_edit(agent, macro)
            if "name" in body:
                macro.name = _name(body["name"])
            if "text" in body:
                macro.text = check_text(body["text"])
            if "set" in body:
                macro.set = check_set(body["set"])
            if "shared" in body:
                if not isinstance(body["shared"], bool):
                    raise ValidationError('"shared" must be true or false')
                if body["shared"]:
                    require_role(agent, AgentRole.MANAGER, "share a macro with every agent")
                macro.owner_id = None if body["shared"] else agent.id
            await uow.macros.save(macro, self.clock())
            return macro

        return await self.store.write(work)

    async def delete(self, agent: Agent, macro_id: int) -> None:
        async def work(uow: UnitOfWork) -> None:
            macro = await self.get(uow, agent, macro_id)
            _may_edit(agent, macro)
            await uow.macros.delete(macro.id)

        await self.store.write(work)

    @staticmethod
    async def get(uow: UnitOfWork, agent: Agent, macro_id: Any) -> Macro:
        macro = await uow.macros.get(parse_row_id(macro_id, '"macro"'))
        if macro.owner_id not in (None, agent.id):
            raise NotFound(f"macro {macro_id} does not exist")
        return macro

    async def rendered(
        self, agent: Agent, macro_id: Any, ticket_id: int
    ) -> tuple[str, dict[str, Any]]:
        """The macro's text for this ticket, and what it sets."""

        async def read(uow: UnitOfWork) -> tuple[str, dict[str, Any]]:
            macro = await self.get(uow, agent, macro_id)
            ticket = await uow.tickets.get(ticket_id)
            customer = await uow.customers.get(ticket.customer_id)
            return render(macro.text, values_for(ticket, customer, agent)), dict(macro.set)

        return await self.store.read(read)


async def previews(store: Store, agent: Agent, ticket_id: int) -> list[dict[str, Any]]:
    """The agent's macros rendered for one ticket: the console's picker shows what will be sent."""

    async def read(uow: UnitOfWork) -> list[dict[str, Any]]:
        ticket = await uow.tickets.get(ticket_id)
        values = values_for(ticket, await uow.customers.get(ticket.customer_id), agent)
        return [
            {"id": m.id, "name": m.name, "preview": render(m.text, values), "set": m.set}
            for m in await uow.macros.visible_to(agent.id)
        ]

    return await store.read(read)
