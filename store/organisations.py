"""Organisations and their email domains (``models/organisations.py``), kept by the admins."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import (
    Column,
    ForeignKey,
    Index,
    String,
    Table,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from models import Conflict, NotFound
from models.organisations import Organisation

from .tables import Id, UTCDateTime, metadata

organisations = Table(
    "organisations",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("created_at", UTCDateTime(), nullable=False),
)
organisation_domains = Table(
    "organisation_domains",
    metadata,
    Column("domain", String(253), primary_key=True),  # one organisation per domain
    Column(
        "organisation_id", Id, ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False
    ),
    Index("ix_organisation_domains_organisation_id", "organisation_id"),
)


class OrganisationRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def list(self) -> list[Organisation]:
        o, d = organisations, organisation_domains
        rows = (await self.conn.execute(select(o.c.id, o.c.name).order_by(o.c.name))).all()
        domains: dict[int, list[str]] = {}
        for domain, owner in (
            await self.conn.execute(select(d.c.domain, d.c.organisation_id))
        ).all():
            domains.setdefault(int(owner), []).append(str(domain))
        return [
            Organisation(int(i), str(n), tuple(sorted(domains.get(int(i), [])))) for i, n in rows
        ]

    async def get(self, organisation_id: int) -> Organisation:
        found = [o for o in await self.list() if o.id == organisation_id]
        if not found:
            raise NotFound(f"no organisation {organisation_id}")
        return found[0]

    async def add(self, name: str, domains: Sequence[str], now: datetime) -> Organisation:
        await self._free(name, domains, None)
        result = await self.conn.execute(
            insert(organisations).values(name=name, created_at=now).returning(organisations.c.id)
        )
        organisation_id = int(result.scalar_one())
        await self._set_domains(organisation_id, domains)
        return Organisation(organisation_id, name, tuple(sorted(domains)))

    async def change(
        self, organisation_id: int, name: str | None, domains: Sequence[str] | None
    ) -> Organisation:
        current = await self.get(organisation_id)
        await self._free(name, domains or (), organisation_id)
        if name is not None:
            await self.conn.execute(
                update(organisations).where(organisations.c.id == organisation_id).values(name=name)
            )
        if domains is not None:
            await self._set_domains(organisation_id, domains)
        return Organisation(
            organisation_id,
            current.name if name is None else name,
            current.domains if domains is None else tuple(sorted(domains)),
        )

    async def remove(self, organisation_id: int) -> None:
        await self.get(organisation_id)  # 404 for an unknown one
        d = organisation_domains
        await self.conn.execute(delete(d).where(d.c.organisation_id == organisation_id))
        await self.conn.execute(delete(organisations).where(organisations.c.id == organisation_id))

    async def named(self, domains: Sequence[str]) -> str | None:
        """The name of the organisation of the first of ``domains`` that has one."""
        if not domains:
            return None
        d, o = organisation_domains, organisations
        query = (
            select(d.c.domain, o.c.name)
            .join(o, o.c.id == d.c.organisation_id)
            .where(d.c.domain.in_(list(domains)))
        )
        names = {str(domain): str(name) for domain, name in (await self.conn.execute(query)).all()}
        return next((names[x] for x in domains if x in names), None)

    async def _free(self, name: str | None, domains: Sequence[str], own: int | None) -> None:
        """409 when another organisation has the name or one of the domains."""
        o, d = organisations, organisation_domains
        if name is not None:
            query = select(o.c.id).where(o.c.name == name)
            if own is not None:
                query = query.where(o.c.id != own)
            if (await self.conn.execute(query)).first():
                raise Conflict(f"an organisation named {name!r} exists already")
        if domains:
            query = select(d.c.domain, o.c.name).join(o, o.c.id == d.c.organisation_id)
            query = query.where(d.c.domain.in_(list(domains)))
            if own is not None:
                query = query.where(d.c.organisation_id != own)
            taken = (await self.conn.execute(query)).first()
            if taken:
                raise Conflict(f"{taken[0]} belongs to {taken[1]} already")

    async def _set_domains(self, organisation_id: int, domains: Sequence[str]) -> None:
        d = organisation_domains
        await self.conn.execute(delete(d).where(d.c.organisation_id == organisation_id))
        if domains:
            await self.conn.execute(
                insert(d), [{"domain": x, "organisation_id": organisation_id} for x in domains]
            )
