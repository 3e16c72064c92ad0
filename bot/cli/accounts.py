"""`frontdesk accounts ...`: the built-in account directory."""

from __future__ import annotations

import json
from typing import Any

import click

from models.accounts import Account, AccountRole

from .common import database_option, run_async, settings_from, with_store


def account_json(account: Account) -> dict[str, Any]:
    return {
        "id": account.id,
        "email": account.email,
        "name": account.name,
        "org": account.org,
        "role": account.role.value,
        "features": list(account.features),
    }


@click.group()
def accounts() -> None:
    """Accounts of the built-in directory (used when no FRONTDESK_ACCOUNT_BACKEND_URL is set)."""


@accounts.command("add")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--org", default=None, help="Organisation the account belongs to.")
@click.option(
    "--role",
    default="member",
    show_default=True,
    type=click.Choice([r.value for r in AccountRole], case_sensitive=False),
)
@click.option("--json", "as_json", is_flag=True, help="Print the account as JSON.")
@database_option
def accounts_add(
    email: str, name: str, org: str | None, role: str, as_json: bool, database_url: str | None
) -> None:
    """Add an account (its owner sets a password through a reset link)."""
    from bot.fulfilment.base import parse_email
    from service.desk import utc_now

    address = parse_email(email)
    if address is None or address != email.strip().lower():
        raise click.ClickException(f"not an email address: {email}")
    if role == AccountRole.ADMIN.value and not org:
        raise click.ClickException("an admin needs an organisation (--org)")

    async def work(store: Any) -> Account:
        return await store.write(
            lambda uow: uow.accounts.add(address, name, utc_now(), org=org, role=AccountRole(role))
        )

    account = run_async(with_store(settings_from(database_url), work))
    if as_json:
        click.echo(json.dumps(account_json(account)))
    else:
        click.echo(f"added {account.email} (id {account.id})")


@accounts.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@database_option
def accounts_list(as_json: bool, database_url: str | None) -> None:
    """List the accounts of the built-in directory."""

    async def work(store: Any) -> list[Account]:
        return await store.read(lambda uow: uow.accounts.list())

    found = run_async(with_store(settings_from(database_url), work))
    if as_json:
        click.echo(json.dumps({"accounts": [account_json(a) for a in found]}, indent=2))
        return
    for a in found:
        click.echo(f"{a.id:<4} {a.email:<32} {a.role.value:<7} {a.org or '-':<16} {a.name}")
