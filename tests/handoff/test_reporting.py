"""The report over a scripted day gives exactly the documented numbers, on both databases."""

from __future__ import annotations

from datetime import timedelta

import pytest

from handoff.reports import build_report, daily_series
from models.metrics import ReportPeriod
from models.sla import BusinessHours
from store.database import Store
from store.migrate import upgrade

from .metrics_scenario import (
    EXPECTED,
    EXPECTED_BY_AGENT_VOLUME,
    EXPECTED_BY_TYPE_VOLUME,
    NOW,
    PERIOD,
    T0,
    build_day,
)


@pytest.fixture
async def day_store(database_url: str) -> Store:
    await upgrade(database_url)
    async with Store(database_url) as store:
        await build_day(store)
        yield store  # type: ignore[misc]


async def test_report_over_the_scripted_day_is_exact(day_store: Store) -> None:
    report = await day_store.read(lambda uow: build_report(uow, PERIOD, NOW))
    data = report.as_json()
    assert {k: data[k] for k in EXPECTED} == EXPECTED
    assert data["period"] == {
        "since": "2026-03-02T00:00:00+00:00",
        "until": "2026-03-04T00:00:00+00:00",
    }
    assert "breakdown" not in data


async def test_breakdowns_split_the_same_tickets(day_store: Store) -> None:
    by_type = await day_store.read(lambda uow: build_report(uow, PERIOD, NOW, by="type"))
    volumes = {k: m["volume"] for k, m in by_type.as_json()["breakdown"].items()}
    assert volumes == EXPECTED_BY_TYPE_VOLUME
    incident = by_type.as_json()["breakdown"]["incident"]
    assert incident["resolution_time"] == {
        "median_s": 10800.0,
        "p90_s": 77040.0,  # 10800 + 0.8 * (93600 - 10800)
        "mean_s": 37200.0,
        "count": 3,
    }
    assert incident["csat"] == {"mean": 2.75, "satisfied_share": 0.25, "responses": 4}
    by_agent = await day_store.read(lambda uow: build_report(uow, PERIOD, NOW, by="agent"))
    agents = by_agent.as_json()["breakdown"]
    assert {k: m["volume"] for k, m in agents.items()} == EXPECTED_BY_AGENT_VOLUME
    assert agents["ann@example.com"]["escalation_rate"] == 0.5
    by_team = await day_store.read(lambda uow: build_report(uow, PERIOD, NOW, by="team"))
    assert set(by_team.as_json()["breakdown"]) == {"support", "billing"}


async def test_an_empty_period_gives_nulls_not_zero_divisions(day_store: Store) -> None:
    empty = ReportPeriod(T0 - timedelta(days=30), T0 - timedelta(days=2))
    data = (await day_store.read(lambda uow: build_report(uow, empty, NOW))).as_json()
    assert data["volume"] == 0
    assert data["first_response_time"] == {
        "median_s": None,
        "p90_s": None,
        "mean_s": None,
        "count": 0,
    }
    for key in ("first_contact_resolution_rate", "escalation_rate", "automation_rate"):
        assert data[key] is None
    assert data["sla_compliance"] is None
    assert data["csat"] == {"mean": None, "satisfied_share": None, "responses": 0}


async def test_business_hours_durations_in_sql_match_the_policy(day_store: Store) -> None:
    hours = BusinessHours.parse("mon-fri 09:00-17:00 +01:00")
    report = await day_store.read(lambda uow: build_report(uow, PERIOD, NOW, hours=hours))
    # Same tickets, measured in business time by the pure-Python policy.
    h = 3600
    spans = [(0, 7200), (h, h + 93600), (2 * h, 2 * h + 60), (3 * h, 3 * h + 10800)]
    expected = [
        hours.seconds_between(T0 + timedelta(seconds=a), T0 + timedelta(seconds=b))
        for a, b in spans
    ]
    got = report.totals.counts.resolution
    assert got.count == 4
    assert got.mean_s == pytest.approx(sum(expected) / 4, abs=1e-3)
    ordered = sorted(expected)
    assert got.median_s == pytest.approx((ordered[1] + ordered[2]) / 2, abs=1e-3)
    assert expected[1] == 10 * h  # Mon 11:00-17:00 + Tue 09:00-13:00, local time (+01:00)


async def test_daily_series_has_one_entry_per_creation_day(day_store: Store) -> None:
    series = await day_store.read(lambda uow: daily_series(uow, PERIOD, NOW))
    assert {k: m.counts.volume for k, m in series.items()} == {"2026-03-02": 5, "2026-03-03": 1}


async def test_sqlite_reads_percentiles_off_the_duration_indexes_with_the_same_answer(
    sqlite_url: str,
) -> None:
    """The index walk (migration 0005) and the full sort give identical figures."""
    from sqlalchemy import text

    await upgrade(sqlite_url)
    async with Store(sqlite_url) as store:
        await build_day(store)
        walked = (await store.read(lambda uow: build_report(uow, PERIOD, NOW))).as_json()

        async def drop_indexes(uow) -> None:  # type: ignore[no-untyped-def]
            await uow.conn.execute(text("DROP INDEX ix_tickets_frt_days"))
            await uow.conn.execute(text("DROP INDEX ix_tickets_resolution_days"))

        await store.write(drop_indexes)
        sorted_ = (await store.read(lambda uow: build_report(uow, PERIOD, NOW))).as_json()
    assert walked == sorted_
    assert walked["first_response_time"]["count"] > 1
