"""`--role`: a web process serves customers and agents and runs no background job; a worker
runs the jobs and answers only /healthz and /metrics; a scheduler runs the timed jobs but not
the platforms' delivery; `all` does both (the default)."""

from __future__ import annotations

from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from classifier.base import Classifier

from .chat import serving, settings_for

SINGLETONS = {"delivery", "escalation", "spike-check", "auto-close", "fulfilment-idle-check"}


def running_jobs(text: str) -> set[str]:
    return {
        s.labels["job"]
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name == "frontdesk_background_job_running" and s.value == 1
    }


@pytest.mark.parametrize(
    ("role", "jobs", "chat_status"),
    [("all", SINGLETONS | {"sweep"}, 201), ("web", {"sweep"}, 201),
     ("worker", SINGLETONS | {"sweep"}, 404),
     ("scheduler", SINGLETONS - {"delivery"} | {"sweep"}, 404)],
)  # fmt: skip
async def test_what_each_role_runs_and_serves(
    sqlite_url: str,
    tmp_path: Path,
    trained_classifier: Classifier,
    role: str,
    jobs: set[str],
    chat_status: int,
) -> None:
    settings = settings_for(sqlite_url, tmp_path, role=role)
    async with serving(settings, trained_classifier) as client:
        assert (await client.get("/healthz")).status == 200
        metrics = await client.get("/metrics")
        assert running_jobs(await metrics.text()) == jobs
        assert (await client.post("/api/chat/sessions")).status == chat_status


async def test_a_second_server_on_one_sqlite_file_says_sqlite_is_for_one_process(
    sqlite_url: str,
    tmp_path: Path,
    trained_classifier: Classifier,
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings = settings_for(sqlite_url, tmp_path)
    async with serving(settings, trained_classifier):
        assert "SQLite is for one process" not in caplog.text
        async with serving(settings, trained_classifier) as second:
            assert (await second.get("/healthz")).status == 200  # it serves, and says why not
    assert "another Frontdesk server uses this SQLite database" in caplog.text
