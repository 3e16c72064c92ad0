"""The reports page, its charts and CSV export, served by the real app over the scripted day."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.app import FRONTDESK, create_app
from bot.settings import load_settings
from classifier.base import Classifier
from handoff import reports
from handoff.reports import build_report
from models import AgentRole
from store.database import Store
from store.migrate import upgrade

from .metrics_scenario import PERIOD, build_day

QUERY = "since=2026-03-02&until=2026-03-03"
Client = tuple[TestClient[web.Request, web.Application], dict[str, AgentRole | None]]


@pytest.fixture
async def client(
    sqlite_url: str, tmp_path: Path, trained_classifier: Classifier
) -> AsyncIterator[Client]:
    await upgrade(sqlite_url)
    async with Store(sqlite_url) as store:
        await build_day(store)
    settings = load_settings(environ={}, database_url=sqlite_url, data_dir=str(tmp_path))
    app = create_app(settings, classifier=trained_classifier)
    signed_in: dict[str, AgentRole | None] = {"role": None}

    async def role_of(request: web.Request) -> AgentRole | None:  # the console's, later
        return signed_in["role"]

    app[reports.ROLE_OF] = role_of
    async with TestClient(TestServer(app)) as c:
        yield c, signed_in


def page_values(html: str) -> dict[str, str]:
    table = html.split('<table id="metrics">')[1].split("</table>")[0]
    return dict(re.findall(r'data-metric="([^"]+)" data-value="([^"]*)"', table))


async def test_managers_see_the_same_numbers_as_the_report(client: Client) -> None:
    c, signed_in = client
    signed_in["role"] = AgentRole.MANAGER
    response = await c.get(f"/console/reports?{QUERY}")
    assert response.status == 200
    html = await response.text()
    store = c.server.app[FRONTDESK].store
    expected = (
        await store.read(lambda uow: build_report(uow, PERIOD, datetime.now(UTC)))
    ).as_json()
    values = page_values(html)
    assert values["volume"] == str(expected["volume"]) == "6"
    assert (
        float(values["first_response_time.median_s"]) == expected["first_response_time"]["median_s"]
    )
    assert float(values["resolution_time.p90_s"]) == expected["resolution_time"]["p90_s"]
    assert float(values["csat.mean"]) == expected["csat"]["mean"] == 3.0
    assert float(values["first_contact_resolution_rate"]) == 0.75
    assert float(values["sla_compliance"]) == expected["sla_compliance"]
    assert "Previous period (2026-02-28 – 2026-03-01)" in html
    for name in reports.CHARTS:
        assert f"/console/reports/charts/{name}.svg?{QUERY}".replace("&", "&amp;") in html


async def test_charts_are_svg_and_the_export_is_csv(client: Client) -> None:
    c, signed_in = client
    signed_in["role"] = AgentRole.ADMIN
    for name in reports.CHARTS:
        response = await c.get(f"/console/reports/charts/{name}.svg?{QUERY}")
        assert response.status == 200
        assert response.content_type == "image/svg+xml"
        assert (await response.text()).lstrip().startswith("<?xml")
    response = await c.get(f"/console/reports/export.csv?{QUERY}&by=type")
    assert response.status == 200 and response.content_type == "text/csv"
    rows = {r["group"]: r for r in csv.DictReader(io.StringIO(await response.text()))}
    assert rows["all"]["volume"] == "6" and rows["incident"]["volume"] == "5"
    breakdown = await c.get(f"/console/reports?{QUERY}&by=agent")
    assert "ann@example.com" in await breakdown.text()


async def test_only_managers_and_admins_get_in(client: Client) -> None:
    c, signed_in = client
    for path in (
        "/console/reports",
        "/console/reports/charts/volume.svg",
        "/console/reports/export.csv",
    ):
        signed_in["role"] = None
        assert (await c.get(path)).status == 401
        signed_in["role"] = AgentRole.AGENT
        assert (await c.get(path)).status == 403
    signed_in["role"] = AgentRole.MANAGER
    assert (await c.get("/console/reports?since=someday")).status == 400
    assert (await c.get("/console/reports/charts/pie.svg")).status == 404
