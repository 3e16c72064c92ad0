"""The `frontdesk` command line: bad input exits non-zero with one line, never a traceback.

``main`` is the root group; each sub-command group lives in its own module and imports only
``bot.cli.common``, so the package has no import circle.
"""

from __future__ import annotations

import json
import logging
import sys
from typing import Any

import click

from bot.settings import ROLES
from models import TicketFilter, TicketStatus, parse_ticket_id

from .accounts import accounts
from .articles import articles
from .classifier import classifier
from .common import FrontdeskGroup, database_option, run_async, settings_from, with_store
from .organisations import organisations
from .report import report

__all__ = ["main"]


@click.group(cls=FrontdeskGroup)
@click.version_option(package_name="frontdesk")
def main() -> None:
    """Frontdesk: a conversational front desk for customer support."""


@main.command()
@click.option("--host", default=None, help="Interface to listen on (default 127.0.0.1).")
@click.option("--port", default=None, type=int, help="Port (default 8080).")
@click.option(
    "--role",
    type=click.Choice(ROLES),
    default=None,
    help="What this process runs (default all; web, worker and scheduler split it on "
    "PostgreSQL: docs/deploy.md).",
)
@database_option
def run(host: str | None, port: int | None, role: str | None, database_url: str | None) -> None:
    """Serve web chat, the console and every configured channel."""
    from aiohttp import web

    from bot.app import create_app

    settings = settings_from(database_url, host=host, port=port, role=role)
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    app = create_app(settings)
    click.echo(
        f"Frontdesk starting (database {settings.database_url.split('@')[-1]}); "
        "the first start trains the intent model, which takes a minute at most"
    )
    app.on_startup.append(ready_banner(settings.host, settings.port))
    web.run_app(
        app, host=settings.host, port=settings.port, print=None, access_log=None, shutdown_timeout=5
    )


def ready_banner(host: str, port: int) -> Any:
    """Tells a newcomer where everything is, once start-up (migrations, model) is done: it runs
    after the app's ``cleanup_ctx`` has started every part."""
    base = f"http://{host}:{port}"

    async def banner(_app: Any) -> None:
        click.echo(
            f"Frontdesk is ready.\n"
            f"  Web chat (customers):  {base}/\n"
            f"  Agent console:         {base}/console/\n"
            f"  Create the first agent (an admin) in another terminal:\n"
            f"    .venv/bin/frontdesk agents create --email you@example.com --name You "
            f"--role admin\n"
            f"  Stop with Ctrl-C."
        )

    return banner


@main.group()
def db() -> None:
    """Database migrations."""


@db.command("upgrade")
@database_option
def db_upgrade(database_url: str | None) -> None:
    """Apply every migration (also done automatically at start)."""
    from store.migrate import current_revisions, upgrade

    settings = settings_from(database_url)
    run_async(upgrade(settings.database_url))
    heads = run_async(current_revisions(settings.database_url))
    click.echo(f"database at revision {', '.join(sorted(heads))}")


@main.group()
def tickets() -> None:
    """Look at tickets."""


@tickets.command("list")
@click.option(
    "--status",
    "statuses",
    multiple=True,
    type=click.Choice([s.value for s in TicketStatus]),
    help="Repeatable.",
)
@click.option("--limit", default=100, show_default=True, type=click.IntRange(1, 10_000))
@click.option("--q", "query", default=None, help="Full-text search; best match first.")
@click.option("--tag", default=None, help="Only tickets with this tag.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@database_option
def tickets_list(
    statuses: tuple[str, ...],
    limit: int,
    query: str | None,
    tag: str | None,
    as_json: bool,
    database_url: str | None,
) -> None:
    """List tickets, newest first (or best match first with --q)."""
    from handoff.ticket_listing import list_tickets

    flt = TicketFilter(
        statuses=[TicketStatus(s) for s in statuses], limit=limit, tag=tag.lower() if tag else None
    )

    async def work(store: Any) -> list[dict[str, Any]]:
        return await store.read(lambda uow: list_tickets(uow, flt, query))

    found = run_async(with_store(settings_from(database_url), work))
    if as_json:
        click.echo(json.dumps({"tickets": found}, indent=2))
        return
    if not found:
        click.echo("no tickets")
        return
    for t in found:
        click.echo(
            f"{t['id']:<10} {t['status']:<20} {t['type']:<16} "
            f"{t['priority']:<7} {(t.get('snippet') or t['description'])[:60]}"
        )


@tickets.command("show")
@click.argument("ticket_id")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@database_option
def tickets_show(ticket_id: str, as_json: bool, database_url: str | None) -> None:
    """Show one ticket with its messages and history."""
    from handoff.views import load_details, ticket_json

    tid = parse_ticket_id(ticket_id)

    async def work(store: Any) -> dict[str, Any]:
        return ticket_json(await store.read(lambda uow: load_details(uow, tid)))

    data = run_async(with_store(settings_from(database_url), work))
    if as_json:
        click.echo(json.dumps(data, indent=2))
        return
    click.echo(
        f"{data['id']}  {data['status']}  {data['type']} / {data['priority']} "
        f"/ {data['intent']} ({data['confidence']:.2f})"
    )
    click.echo(
        f"customer: {data['customer']['display_name']} via {data['channel']}; "
        f"assignee: {data['assignee'] or '-'}"
    )
    for m in data["messages"]:
        note = " (internal)" if m["internal"] else ""
        click.echo(f"  [{m['created_at'][11:19]}] {m['sender']}{note}: {m['text']}")
    for e in data["events"]:
        change = f"{e['old'] or ''} -> {e['new'] or ''}" if e["old"] or e["new"] else ""
        click.echo(f"  * {e['created_at'][11:19]} {e['actor']} {e['kind']} {change}")


@main.group()
def agents() -> None:
    """Manage agents, managers and admins."""


def _read_password() -> str:
    if sys.stdin is not None and not sys.stdin.isatty():
        line = sys.stdin.readline().rstrip("\r\n")
        if not line:
            raise click.ClickException("no password on standard input")
        return line
    value: str = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return value


@agents.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option(
    "--role",
    default="agent",
    show_default=True,
    type=click.Choice(["agent", "manager", "admin"], case_sensitive=False),
)
@click.option("--team", "teams", multiple=True, help="Teams the agent works for (repeatable).")
@click.option("--capacity", default=5, show_default=True, type=click.IntRange(1, 1000))
@database_option
def agents_create(
    email: str,
    name: str,
    role: str,
    teams: tuple[str, ...],
    capacity: int,
    database_url: str | None,
) -> None:
    """Create an agent; the password is read from standard input or a prompt."""
    from handoff.agents import create_agent

    password = _read_password()

    async def work(store: Any) -> Any:
        return await create_agent(
            store, email, name, role, password, teams=teams or ("support",), capacity=capacity
        )

    agent = run_async(with_store(settings_from(database_url), work))
    click.echo(f"created {agent.role.value} {agent.email} (id {agent.id})")


@agents.command("list")
@click.option("--json", "as_json", is_flag=True)
@database_option
def agents_list(as_json: bool, database_url: str | None) -> None:
    """List agents."""
    from handoff.views import agent_json

    async def work(store: Any) -> list[Any]:
        return await store.read(lambda uow: uow.agents.list())

    found = run_async(with_store(settings_from(database_url), work))
    if as_json:
        click.echo(json.dumps({"agents": [agent_json(a) for a in found]}, indent=2))
        return
    for a in found:
        click.echo(f"{a.id:<4} {a.email:<32} {a.role.value:<8} {a.name}")


main.add_command(accounts)
main.add_command(articles)
main.add_command(report)
main.add_command(classifier)
main.add_command(organisations)
