"""`/metrics` exposes requests, messages, outbox depth, classifier latency and open tickets."""

from __future__ import annotations

import asyncio
from pathlib import Path

from aiohttp.test_utils import TestClient, TestServer
from prometheus_client.parser import text_string_to_metric_families

from bot.app import create_app
from bot.settings import load_settings
from classifier.base import Classifier


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


async def test_metrics_after_a_web_chat_conversation(
    sqlite_url: str, tmp_path: Path, trained_classifier: Classifier
) -> None:
    settings = load_settings(environ={}, database_url=sqlite_url, data_dir=str(tmp_path))
    app = create_app(settings, classifier=trained_classifier)
    async with TestClient(TestServer(app)) as client:
        session = await (await client.post("/api/chat/sessions")).json()
        auth = {"Authorization": f"Bearer {session['token']}"}
        url = f"/api/chat/sessions/{session['session_id']}/messages"
        sent = await client.post(
            url, json={"text": "The app crashes when I open invoices"}, headers=auth
        )
        assert sent.status == 202
        for _ in range(100):
            found = await (await client.get(url, headers=auth)).json()
            if any(m["sender"] == "bot" for m in found["messages"]):
                break
            await asyncio.sleep(0.05)
        response = await client.get("/metrics")
        assert response.status == 200
        got = samples(await response.text())
    route = ("route", "/api/chat/sessions/{session_id}/messages")
    assert (
        got[("frontdesk_http_requests_total", (("method", "POST"), route, ("status", "202")))] == 1
    )
    assert got[("frontdesk_messages_total", (("direction", "in"),))] == 1
    assert got[("frontdesk_classifier_latency_seconds_count", ())] >= 1
    assert ("frontdesk_outbox_depth", ()) in got
    open_tickets = {k[1]: v for k, v in got.items() if k[0] == "frontdesk_open_tickets"}
    assert sum(open_tickets.values()) == 1
    assert any(k[0] == "frontdesk_http_request_duration_seconds_bucket" for k in got)


async def test_each_app_has_its_own_registry(
    sqlite_url: str, tmp_path: Path, trained_classifier: Classifier
) -> None:
    settings = load_settings(environ={}, database_url=sqlite_url, data_dir=str(tmp_path))
    first, second = (
        create_app(settings, classifier=trained_classifier),
        create_app(settings, classifier=trained_classifier),
    )
    from bot.prometheus import METRICS

    assert first[METRICS].registry is not second[METRICS].registry


async def test_cost_counters_grow_with_a_message(
    sqlite_url: str, tmp_path: Path, trained_classifier: Classifier
) -> None:
    """The counters bench/ceiling.py divides by messages: SQL statements, the writer's commits
    and the writes they carried, classifier calls and the texts they classified."""
    settings = load_settings(environ={}, database_url=sqlite_url, data_dir=str(tmp_path))
    app = create_app(settings, classifier=trained_classifier)
    names = (
        "frontdesk_sql_statements_total{connection=writer}",
        "frontdesk_sql_statements_total{connection=reader}",
        "frontdesk_store_commits_total",
        "frontdesk_store_jobs_total",
        "frontdesk_classifier_calls_total",
        "frontdesk_classifier_texts_total",
    )
    async with TestClient(TestServer(app)) as client:

        async def counters() -> dict[str, float]:
            got = {
                name + ("{" + ",".join(f"{k}={v}" for k, v in labels) + "}" if labels else ""): n
                for (name, labels), n in samples(
                    await (await client.get("/metrics")).text()
                ).items()
            }
            return {name: got[name] for name in names}

        before = await counters()
        session = await (await client.post("/api/chat/sessions")).json()
        auth = {"Authorization": f"Bearer {session['token']}"}
        url = f"/api/chat/sessions/{session['session_id']}/messages"
        text = "Card payments keep failing at checkout"
        assert (await client.post(url, json={"text": text}, headers=auth)).status == 202
        for _ in range(100):
            found = await (await client.get(url, headers=auth)).json()
            if any(m["sender"] == "bot" for m in found["messages"]):
                break
            await asyncio.sleep(0.05)
        after = await counters()
    grown = {name: after[name] - before[name] for name in names}
    # the message was stored and processed: at least two writes, each SQL statements
    assert grown["frontdesk_store_jobs_total"] >= 2
    assert grown["frontdesk_store_commits_total"] >= 1
    assert grown["frontdesk_store_jobs_total"] >= grown["frontdesk_store_commits_total"]
    written = grown["frontdesk_sql_statements_total{connection=writer}"]
    assert written > grown["frontdesk_store_jobs_total"]
    assert grown["frontdesk_sql_statements_total{connection=reader}"] >= 1  # the polls
    assert grown["frontdesk_classifier_calls_total"] >= 1
    assert grown["frontdesk_classifier_texts_total"] >= 1
