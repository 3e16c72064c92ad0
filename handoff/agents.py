"""Creating and listing agents (the CLI's `agents create` and the admin console)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from models import Agent, AgentRole, ValidationError
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
