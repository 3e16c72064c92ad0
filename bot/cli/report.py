"""`frontdesk report`: the support metrics for a period, for people, scripts and spreadsheets."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import click

from models.metrics import GROUPINGS, parse_moment, parse_period
from models.sla import BusinessHours

from .common import database_option, run_async, settings_from, with_store


def _fmt_seconds(value: float | None) -> str:
    if value is None:
        return "-"
    if value < 120:
        return f"{value:.0f} s"
    if value < 7200:
        return f"{value / 60:.1f} min"
    return f"{value / 3600:.1f} h"


def _fmt_share(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.1f} %"


def render_text(data: dict[str, Any]) -> str:
    """The report as a few aligned lines for a terminal."""

    def block(m: dict[str, Any], indent: str = "") -> list[str]:
        frt, rt, csat = m["first_response_time"], m["resolution_time"], m["csat"]
        bot = m["bot_first_response_time"]
        mean = "-" if csat["mean"] is None else f"{csat['mean']:.2f}"
        return [
            f"{indent}volume                 {m['volume']}",
            f"{indent}first response time    median {_fmt_seconds(frt['median_s'])}, "
            f"p90 {_fmt_seconds(frt['p90_s'])}, mean {_fmt_seconds(frt['mean_s'])} "
            f"({frt['count']} tickets)",
            f"{indent}bot's first response   median {_fmt_seconds(bot['median_s'])}, "
            f"p90 {_fmt_seconds(bot['p90_s'])} ({bot['count']} tickets)",
            f"{indent}resolution time        median {_fmt_seconds(rt['median_s'])}, "
            f"p90 {_fmt_seconds(rt['p90_s'])}, mean {_fmt_seconds(rt['mean_s'])} "
            f"({rt['count']} tickets)",
            f"{indent}first contact res.     {_fmt_share(m['first_contact_resolution_rate'])}",
            f"{indent}escalation rate        {_fmt_share(m['escalation_rate'])}",
            f"{indent}CSAT                   mean {mean}, satisfied "
            f"{_fmt_share(csat['satisfied_share'])} ({csat['responses']} responses)",
            f"{indent}automation rate        {_fmt_share(m['automation_rate'])}",
            f"{indent}self-service rate      {_fmt_share(m.get('self_service_rate'))}",
            f"{indent}SLA compliance         {_fmt_share(m['sla_compliance'])}",
        ]

    lines = [f"Tickets created {data['period']['since']} .. {data['period']['until']}"]
    lines += block(data)
    for key, metrics in (data.get("breakdown") or {}).items():
        lines += ["", f"{key}:", *block(metrics, "  ")]
    return "\n".join(lines)


@click.command("report")
@click.option("--since", default=None, help="First day (YYYY-MM-DD, UTC) or ISO datetime.")
@click.option(
    "--until", default=None, help="Last day, included (default: now; 30 days by default)."
)
@click.option("--by", type=click.Choice(GROUPINGS), default=None, help="Break the numbers down.")
@click.option("--json", "fmt", flag_value="json", help="Print JSON.")
@click.option("--csv", "fmt", flag_value="csv", help="Print CSV (one row per group).")
@click.option(
    "--as-of",
    default=None,
    help="Judge open tickets' SLA targets at this moment (default now): reproducible reports.",
)
@database_option
def report(
    since: str | None,
    until: str | None,
    by: str | None,
    fmt: str | None,
    as_of: str | None,
    database_url: str | None,
) -> None:
    """Support metrics of the tickets created in a period (docs/metrics.md)."""
    from handoff.reports import build_report

    now = parse_moment(as_of, "--as-of") if as_of else datetime.now(UTC)
    period = parse_period(since, until, now)
    settings = settings_from(database_url)
    hours = BusinessHours.parse(settings.business_hours) if settings.business_hours else None

    async def work(store: Any) -> Any:
        return await store.read(lambda uow: build_report(uow, period, now, by=by, hours=hours))

    result = run_async(with_store(settings, work))
    if fmt == "json":
        click.echo(json.dumps(result.as_json(), indent=2))
    elif fmt == "csv":
        click.echo(result.as_csv(), nl=False)
    else:
        click.echo(render_text(result.as_json()))
