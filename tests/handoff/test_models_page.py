"""The console's Models page: admins see versions and retrain, promote and roll back."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.model_template import TRAINING_TIMEOUT

from .conftest import Agent, LiveDesk

pytestmark = pytest.mark.timeout(TRAINING_TIMEOUT)  # tests that train models

CORRECTED = "Please put our new VAT number on future invoices"


async def _get(agent: Agent, path: str) -> tuple[int, str, bytes]:
    async with agent.http.get(agent.desk.url(path)) as r:
        return r.status, r.content_type, await r.read()


async def _wait_for_training(admin: Agent) -> dict[str, Any]:
    # ~25 s of CPU on the 4,200 shipped rows (docs/classifier.md): allow for shared cores
    for _ in range(900):
        run = await admin.ok("GET", "/console/models/training")
        if not run["running"]:
            return dict(run)
        await asyncio.sleep(0.1)
    raise AssertionError("training did not finish")


async def test_admins_retrain_promote_and_roll_back_from_the_models_page(
    make_desk: Callable[..., Any], sqlite_url: str, small_model_dir: Path
) -> None:
    model_dir = small_model_dir  # the desk's own six-intent catalog: a training of ~2 s
    desk: LiveDesk = await make_desk(sqlite_url, registry=True)
    admin = await desk.agent("ada@example.com", role="admin")
    agent = await desk.agent("abe@example.com")

    status, kind, body = await _get(admin, "/console/models")
    page = body.decode()
    assert status == 200 and kind == "text/html"
    assert 'data-version="v0001" class="active"' in page and "No corrections yet" in page
    assert 'href="/console/models"' in page  # in the admin's nav bar
    # the customers'-words figures stand beside the held-out ones
    record = json.loads((model_dir / "versions/v0001/record.json").read_text())
    shown = f'<td class="cw-top1">{record["metrics"]["customers_words"]["top1"]:.3f}</td>'
    assert "Customers' words top-1" in page and shown in page
    status, kind, body = await _get(admin, "/console/models/v0001/confusion.png")
    assert (status, kind) == (200, "image/png") and body.startswith(b"\x89PNG")

    assert (await _get(agent, "/console/models"))[0] == 403
    assert (await _get(agent, "/console/models/v0001/confusion.png"))[0] == 403
    assert (await agent.call("POST", "/console/models/training"))[0] == 403
    assert (await agent.call("POST", "/console/models/rollback"))[0] == 403
    assert 'href="/console/models"' not in (await _get(agent, "/console/queue"))[2].decode()

    # an agent's correction is counted, then learnt by a retrain started from the page
    customer = await desk.customer()
    tid = await customer.opens_ticket(CORRECTED)
    await admin.ok("PATCH", f"/api/agent/tickets/{tid}", {"intent": "change_request"})
    page = (await _get(admin, "/console/models"))[2].decode()
    assert '<tr data-intent="change_request"><td>change request</td><td>1</td>' in page

    assert (await admin.call("POST", "/console/models/training", csrf=False))[0] == 403
    status, run = await admin.call("POST", "/console/models/training")
    assert status == 202 and run["running"]
    run = await _wait_for_training(admin)
    assert run["error"] is None
    assert run["result"]["version"] == "v0002" and run["result"]["desk_examples"] == 1
    assert run["result"]["promoted"], run["result"]["reason"]
    page = (await _get(admin, "/console/models"))[2].decode()
    assert 'data-version="v0002" class="active"' in page and "No corrections yet" in page

    assert await admin.ok("POST", "/console/models/rollback") == {"active": "v0001"}
    assert await admin.ok("POST", "/console/models/v0002/promote") == {"active": "v0002"}
    status, body = await admin.call("POST", "/console/models/v0999/promote")
    assert status == 404 and "v0999" in body["error"]
    assert (await admin.call("POST", "/console/models/v0001/promote", csrf=False))[0] == 403
