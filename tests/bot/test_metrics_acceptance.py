"""What ../shared/acceptance/metrics-report checks, played through the desk (the agent API of
#4 is not here yet): three tickets today, two handled by an agent and rated 5 and 2, one open."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from aiohttp.test_utils import TestClient, TestServer

from bot.app import FRONTDESK, create_app
from bot.settings import load_settings
from classifier.base import Classifier
from models import Priority, SenderKind, TicketType
from store.database import Store
from store.migrate import upgrade
from store.unit_of_work import UnitOfWork
from tests.handoff.metrics_scenario import Clock, Day

from .test_cli_report import frontdesk


async def test_the_acceptance_numbers(sqlite_url: str) -> None:
    await upgrade(sqlite_url)
    async with Store(sqlite_url) as store:
        start = datetime.now(UTC) - timedelta(hours=1)
        day = Day(store, clock=Clock(base=start, now=start))
        await day.agent("ann@example.com")
        for i, (type_, score) in enumerate(
            [(TicketType.INCIDENT, 5), (TicketType.INCIDENT, 2), (TicketType.CHANGE_REQUEST, None)]
        ):
            name = f"t{i}"
            await day.open(name, 0, type_, Priority.MEDIUM)
            if score is None:
                continue
            await day.assign(name, 60, "ann@example.com")
            await day.reply(name, 120, SenderKind.AGENT)
            await day.resolve(name, 300)
            await day.rate(name, 330, score)
    code, out, err = await frontdesk("report", "--json", "--database-url", sqlite_url)
    assert code == 0, err
    rep = json.loads(out)
    assert rep["volume"] == 3
    assert rep["csat"] == {"mean": 3.5, "satisfied_share": 0.5, "responses": 2}
    assert rep["escalation_rate"] == 0
    assert rep["resolution_time"]["count"] == 2
    assert rep["first_response_time"]["count"] == 2
    code, out, err = await frontdesk(
        "report", "--by", "type", "--json", "--database-url", sqlite_url
    )
    assert code == 0, err
    assert set(json.loads(out)["breakdown"]) == {"incident", "change_request"}


async def test_the_running_app_opens_problems_from_a_burst(
    sqlite_url: str, tmp_path: Path, trained_classifier: Classifier
) -> None:
    settings = load_settings(
        environ={}, database_url=sqlite_url, data_dir=str(tmp_path), spike_check_interval_s=0.05
    )
    app = create_app(settings, classifier=trained_classifier)
    async with TestClient(TestServer(app)) as client:
        store = client.server.app[FRONTDESK].store
        start = datetime.now(UTC)
        day = Day(store, clock=Clock(base=start, now=start))
        for i in range(6):
            await day.open(f"b{i}", 0, TicketType.INCIDENT, Priority.HIGH, intent="payment_error",
                           text=f"checkout error 500 number {i}")  # fmt: skip

        async def linked(uow: UnitOfWork) -> list[int | None]:
            return [(await uow.tickets.get(t)).problem_id for t in day.tickets.values()]

        for _ in range(100):
            problem_ids = await store.read(linked)
            if all(problem_ids):
                break
            await asyncio.sleep(0.05)
        assert len(set(problem_ids)) == 1 and None not in problem_ids
