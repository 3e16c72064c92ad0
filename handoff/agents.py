"""Creating and managing agents (the CLI's `agents create`, the API and the console's Agents
page): role, teams, skills, capacity, deactivation, password resets."""

from __future__ import annotations

import asyncio
import re
import secrets
from typing import TYPE_CHECKING, Any

from models import Agent, AgentRole, Conflict, ValidationError
from models.inputs import bounded_int
from service.passwords import hash_password

if TYPE_CHECKING:
    from store.database import Store
    from store.unit_of_work import UnitOfWork

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def parse_role(value: str) -> AgentRole:
    try:
        return AgentRole(value.strip().lower())
    except ValueError:
        roles = ", ".join(r.value for r in AgentRole)
        raise ValidationError(f"unknown role {value!r}: use one of {roles}") from None


async def create_agent(
    store: Store,
    email: str,
    name: str,
    role: str,
    password: str,
    *,
    teams: tuple[str, ...] = ("support",),
    skills: tuple[str, ...] = (),
    capacity: int = 5,
) -> Agent:
    email = email.strip().lower()
    if not EMAIL.match(email):
        raise ValidationError(f"{email!r} is not an email address")
    if not name.strip():
        raise ValidationError("the agent needs a name")
    if capacity < 1:
        raise ValidationError("capacity must be at least 1")
    agent = Agent(
        id=0,
        email=email,
        name=name.strip(),
        role=parse_role(role),
        password_hash=hash_password(password),  # slow on purpose: outside the transaction
        teams=teams,
        skills=skills,
        capacity=capacity,
    )

    async def add(uow: UnitOfWork) -> Agent:
        from service.desk import utc_now

        return await uow.agents.add(agent, utc_now())

    return await store.write(add)


MAX_CAPACITY = 1000  # tickets one agent may hold; the column is an integer
MIN_PASSWORD = 10  # as the OpenAPI document says for a new agent
CHANGEABLE = ("name", "role", "teams", "skills", "capacity", "active")


def names_list(raw: object, field: str) -> tuple[str, ...]:
    """Team or skill names: a JSON list of strings, or one comma-separated string (a form)."""
    items = raw.split(",") if isinstance(raw, str) else raw
    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        raise ValidationError(f'"{field}" must be a list of names')
    if not isinstance(raw, str) and not all(i.strip() for i in items):
        raise ValidationError(f'"{field}": a name cannot be empty')
    cleaned = [i.strip() for i in items if i.strip()]
    if any(len(i) > 64 for i in cleaned) or len(cleaned) > 50:
        raise ValidationError(f'"{field}": at most 50 names of at most 64 characters')
    return tuple(dict.fromkeys(cleaned))


def _changed(agent: Agent, body: dict[str, Any]) -> Agent:
    unknown = sorted(set(body) - set(CHANGEABLE))
    if unknown or not body:
        raise ValidationError(f"change one of {', '.join(CHANGEABLE)}; not {unknown or 'nothing'}")
    if "name" in body:
        if not isinstance(body["name"], str) or not body["name"].strip():
            raise ValidationError('"name" must be a non-empty text')
        agent.name = body["name"].strip()[:200]
    if "role" in body:
        if not isinstance(body["role"], str):
            raise ValidationError('"role" must be agent, manager or admin')
        agent.role = parse_role(body["role"])
    for field in ("teams", "skills"):
        if field in body:
            setattr(agent, field, names_list(body[field], field))
    if "capacity" in body:
        agent.capacity = bounded_int(body["capacity"], '"capacity"', 1, MAX_CAPACITY)
    if "active" in body:
        if not isinstance(body["active"], bool):
            raise ValidationError('"active" must be true or false')
        agent.active = body["active"]
    return agent


async def change_agent(store: Store, admin: Agent, agent_id: int, body: dict[str, Any]) -> Agent:
    """Change an agent's profile; a deactivated agent is signed out and gets no new tickets.
    An admin cannot deactivate or demote themselves (someone must be left to undo it)."""

    async def work(uow: UnitOfWork) -> Agent:
        agent = _changed(await uow.agents.get(agent_id), body)
        if agent.id == admin.id and (not agent.active or agent.role is not AgentRole.ADMIN):
            raise Conflict("you cannot deactivate or demote yourself: ask another admin")
        await uow.agents.save(agent)
        if not agent.active:
            await uow.sessions.delete_for_agent(agent.id)
        return agent

    return await store.write(work)


async def reset_password(
    store: Store, agent_id: int, password: object = None, keep_session: str | None = None
) -> str | None:
    """Set a new password (or make one up, returned once to hand over) and sign the agent out
    everywhere but in the session whose token hash is ``keep_session`` (the caller's own, when
    agents change their own password). Returns the made-up password, or None when one was
    given."""
    made_up = password is None or password == ""
    new = secrets.token_urlsafe(12) if made_up else password
    if not isinstance(new, str) or len(new) < MIN_PASSWORD or len(new) > 200:
        raise ValidationError(f'"password" must be {MIN_PASSWORD} to 200 characters')
    hashed = await asyncio.to_thread(hash_password, new)  # slow on purpose: outside the write

    async def work(uow: UnitOfWork) -> None:
        agent = await uow.agents.get(agent_id)
        agent.password_hash = hashed
        await uow.agents.save(agent)
        await uow.sessions.delete_for_agent(agent.id, keep=keep_session)

    await store.write(work)
    return new if made_up else None
