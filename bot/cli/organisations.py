"""`frontdesk organisations ...`: the companies customers belong to, by email domain (the same
as the admins' ``/api/agent/organisations``; docs/console.md)."""

from __future__ import annotations

import json
from typing import Any

import click

from .common import database_option, run_async, settings_from, with_store


@click.group()
def organisations() -> None:
    """Organisations: name a company and its email domains; its customers show its name."""


def _run(database_url: str | None, work: Any) -> Any:
    return run_async(with_store(settings_from(database_url), work))


@organisations.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@database_option
def organisations_list(as_json: bool, database_url: str | None) -> None:
    """List the organisations by name, with their domains."""
    found = _run(database_url, lambda store: store.read(lambda uow: uow.organisations.list()))
    if as_json:
        click.echo(json.dumps({"organisations": [o.json() for o in found]}, indent=2))
        return
    for o in found:
        click.echo(f"{o.id:<4} {o.name}: {', '.join(o.domains) or '(no domains)'}")


@organisations.command("add")
@click.argument("name")
@click.option("--domain", "domains", multiple=True, help="An email domain (repeatable).")
@database_option
def organisations_add(name: str, domains: tuple[str, ...], database_url: str | None) -> None:
    """Add organisation NAME with its email domains (each at most one organisation's)."""
    from models.organisations import organisation_fields
    from service.desk import utc_now

    fields = organisation_fields({"name": name, "domains": list(domains)}, partial=False)

    async def work(store: Any) -> Any:
        return await store.write(
            lambda uow: uow.organisations.add(fields["name"], fields["domains"], utc_now())
        )

    made = _run(database_url, work)
    click.echo(f"added organisation {made.id}: {made.name} ({', '.join(made.domains)})")


@organisations.command("remove")
@click.argument("organisation_id", type=int)
@database_option
def organisations_remove(organisation_id: int, database_url: str | None) -> None:
    """Remove an organisation: its customers show their email's domain again."""

    async def work(store: Any) -> Any:
        return await store.write(lambda uow: uow.organisations.remove(organisation_id))

    _run(database_url, work)
    click.echo(f"removed organisation {organisation_id}")
