"""The reports page (managers and admins): the metrics of a period beside the previous period,
charts as SVG drawn by matplotlib, and a CSV export.

Mounted by ``bot/app.py`` with :func:`add_routes`. Who may see it is decided by one swappable
dependency, ``app[ROLE_OF]``: a coroutine giving the signed-in agent's role (``None`` when nobody
is signed in). Until the console's sessions exist it answers ``None`` for everyone (401); the
console replaces it with its own session lookup, and this module enforces the roles.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from aiohttp import web

from models import AgentRole, Forbidden, NotFound, NotSignedIn, ValidationError
from models.metrics import GROUPINGS, ReportPeriod, parse_period
from models.sla import BusinessHours

from ..error_pages import console_page
from ..pages import render_page, signed_in_role
from .building import build_report, daily_series
from .charts import csat_svg, response_times_svg, volume_svg

if TYPE_CHECKING:
    from store.database import Store

RoleOf = Callable[[web.Request], Awaitable[AgentRole | None]]
StoreOf = Callable[[web.Request], "Store"]
REPORT_ROLES = (AgentRole.MANAGER, AgentRole.ADMIN)
CHARTS = ("volume", "response-times", "csat")


ROLE_OF: web.AppKey[RoleOf] = web.AppKey("reports_role_of")
"""Who is signed in (the console's session; a test may stand in for it)."""
_CONFIG = web.AppKey("reports_config", dict)


def add_routes(
    app: web.Application,
    *,
    store_of: StoreOf,
    hours: BusinessHours | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    prefix: str = "/console/reports",
) -> None:
    app.setdefault(ROLE_OF, signed_in_role)
    app[_CONFIG] = {"store_of": store_of, "hours": hours, "clock": clock, "prefix": prefix}
    app.router.add_get(prefix, console_page(reports_page))
    app.router.add_get(prefix + "/charts/{name}.svg", console_page(chart))
    app.router.add_get(prefix + "/export.csv", console_page(export_csv))


async def _authorize(request: web.Request) -> None:
    role = await request.app[ROLE_OF](request)
    if role is None:
        raise NotSignedIn("Sign in to the console to see reports.")
    if role not in REPORT_ROLES:
        raise Forbidden("Reports are for managers and admins.")


def _period(request: web.Request, now: datetime) -> ReportPeriod:
    try:
        return parse_period(
            request.query.get("since") or None, request.query.get("until") or None, now
        )
    except ValueError as exc:
        raise ValidationError(str(exc)) from exc


def _first_day(period: ReportPeriod) -> str:
    return period.since.date().isoformat()


def _last_day(period: ReportPeriod) -> str:
    """The last day a period includes (its end is exclusive)."""
    return (period.until - timedelta(microseconds=1)).date().isoformat()


def _by(request: web.Request) -> str | None:
    by = request.query.get("by") or None
    if by is not None and by not in GROUPINGS:
        raise ValidationError(f"cannot break down by {by!r}: use {', '.join(GROUPINGS)}")
    return by


def _seconds(value: float | None) -> str:
    if value is None:
        return "–"
    if value < 120:
        return f"{value:.0f} s"
    if value < 7200:
        return f"{value / 60:.1f} min"
    return f"{value / 3600:.1f} h"


def _share(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.1f} %"


def metric_rows(current: dict[str, Any], previous: dict[str, Any]) -> list[dict[str, Any]]:
    """(label, key, raw value, shown value, previous shown value) for the page's table."""

    def row(label: str, key: str, pick: Callable[[dict[str, Any]], Any], fmt: Any) -> Any:
        value = pick(current)
        return {
            "label": label,
            "key": key,
            "raw": "" if value is None else value,
            "shown": fmt(value),
            "previous": fmt(pick(previous)),
        }

    def count(v: Any) -> str:
        return "–" if v is None else str(v)

    def mean(v: Any) -> str:
        return "–" if v is None else f"{v:.2f}"

    return [
        row("Tickets", "volume", lambda m: m["volume"], count),
        row("First response, median", "first_response_time.median_s",
            lambda m: m["first_response_time"]["median_s"], _seconds),
        row("First response, 90th percentile", "first_response_time.p90_s",
            lambda m: m["first_response_time"]["p90_s"], _seconds),
        row("First response, mean", "first_response_time.mean_s",
            lambda m: m["first_response_time"]["mean_s"], _seconds),
        row("Bot's first reply, median", "bot_first_response_time.median_s",
            lambda m: m["bot_first_response_time"]["median_s"], _seconds),
        row("Bot's first reply, 90th percentile", "bot_first_response_time.p90_s",
            lambda m: m["bot_first_response_time"]["p90_s"], _seconds),
        row("Resolution, median", "resolution_time.median_s",
            lambda m: m["resolution_time"]["median_s"], _seconds),
        row("Resolution, 90th percentile", "resolution_time.p90_s",
            lambda m: m["resolution_time"]["p90_s"], _seconds),
        row("Resolution, mean", "resolution_time.mean_s",
            lambda m: m["resolution_time"]["mean_s"], _seconds),
        row("Resolved tickets", "resolution_time.count",
            lambda m: m["resolution_time"]["count"], count),
        row("First contact resolution", "first_contact_resolution_rate",
            lambda m: m["first_contact_resolution_rate"], _share),
        row("Escalation rate", "escalation_rate", lambda m: m["escalation_rate"], _share),
        row("CSAT, mean (1–5)", "csat.mean", lambda m: m["csat"]["mean"], mean),
        row("CSAT, satisfied (4–5)", "csat.satisfied_share",
            lambda m: m["csat"]["satisfied_share"], _share),
        row("CSAT responses", "csat.responses", lambda m: m["csat"]["responses"], count),
        row("Automation rate", "automation_rate", lambda m: m["automation_rate"], _share),
        row("Self-service rate", "self_service_rate", lambda m: m["self_service_rate"], _share),
        row("SLA compliance", "sla_compliance", lambda m: m["sla_compliance"], _share),
    ]  # fmt: skip


async def reports_page(request: web.Request) -> web.Response:
    """The page; a refusal (not signed in, not a manager, a bad date range) is the console's
    error page (``handoff/error_pages.py``), with its status and a way on."""
    config = request.app[_CONFIG]
    now = config["clock"]()
    await _authorize(request)
    period, by = _period(request, now), _by(request)
    store = config["store_of"](request)
    hours = config["hours"]
    current = await store.read(lambda uow: build_report(uow, period, now, by=by, hours=hours))
    previous = await store.read(lambda uow: build_report(uow, period.previous(), now, hours=hours))
    query = {"since": _first_day(period), "until": _last_day(period)}
    qs = "&".join(f"{k}={v}" for k, v in query.items())
    return await render_page(
        request,
        "reports.html",
        dict(
            period=period,
            previous={
                "since": _first_day(period.previous()),
                "until": _last_day(period.previous()),
            },
            query=query,
            qs=qs,
            by=by,
            groupings=GROUPINGS,
            rows=metric_rows(current.as_json(), previous.as_json()),
            breakdown=[
                (k, metric_rows(m.as_json(), m.as_json())) for k, m in current.breakdown.items()
            ],
            prefix=config["prefix"],
            charts=CHARTS,
        ),
    )


async def export_csv(request: web.Request) -> web.Response:
    await _authorize(request)
    config = request.app[_CONFIG]
    now = config["clock"]()
    period, by = _period(request, now), _by(request)
    hours = config["hours"]
    report = await config["store_of"](request).read(
        lambda uow: build_report(uow, period, now, by=by, hours=hours)
    )
    name = f"frontdesk-report-{period.since.date()}-{period.until.date()}.csv"
    return web.Response(
        text=report.as_csv(),
        content_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


async def chart(request: web.Request) -> web.Response:
    await _authorize(request)
    name = request.match_info["name"]
    if name not in CHARTS:
        raise NotFound(f"no chart {name!r}")
    config = request.app[_CONFIG]
    now = config["clock"]()
    period = _period(request, now)
    store = config["store_of"](request)
    hours = config["hours"]
    if name == "csat":
        now_dist = await store.read(lambda uow: uow.reports.csat_distribution(period))
        before = await store.read(lambda uow: uow.reports.csat_distribution(period.previous()))
        svg = await asyncio.to_thread(csat_svg, now_dist, before)
    else:
        series = await store.read(lambda uow: daily_series(uow, period, now, hours))
        svg = await asyncio.to_thread(
            volume_svg if name == "volume" else response_times_svg, series
        )
    return web.Response(body=svg, content_type="image/svg+xml")
