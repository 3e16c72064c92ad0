"""Chaos in the suite (issue #15, item 7): customers keep writing while a real `frontdesk run`
is SIGKILLed and restarted, and on PostgreSQL the database also goes away for two seconds.
Nothing accepted is lost, stranded or answered twice. `make chaos` runs a longer version
(FRONTDESK_CHAOS_CUSTOMERS, FRONTDESK_CHAOS_KILLS)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from tests.chaos import run_chaos
from tests.fault_proxy import FaultProxy
from tests.server_process import free_port

CUSTOMERS = int(os.environ.get("FRONTDESK_CHAOS_CUSTOMERS", "16"))
KILLS = int(os.environ.get("FRONTDESK_CHAOS_KILLS", "1"))


def _with_model(tmp_path: Path, registry_template: Path) -> None:
    shutil.copytree(registry_template, tmp_path / "models")  # no training at each start


@pytest.mark.timeout(600)
async def test_sigkill_under_load_on_sqlite_loses_strands_and_doubles_nothing(
    tmp_path: Path, registry_template: Path
) -> None:
    _with_model(tmp_path, registry_template)
    url = f"sqlite+aiosqlite:///{tmp_path}/fd.db"
    tally = await run_chaos(tmp_path, url, free_port(), CUSTOMERS, KILLS)
    print(tally)  # pytest -s shows the counts
    assert tally.accepted >= CUSTOMERS
    assert (tally.lost, tally.stranded, tally.doubled, tally.errors) == (0, 0, 0, []), tally


@pytest.mark.timeout(600)
async def test_sigkill_and_a_database_outage_on_postgres_lose_strand_and_double_nothing(
    postgres_url: str, tmp_path: Path, registry_template: Path
) -> None:
    _with_model(tmp_path, registry_template)
    target = make_url(postgres_url)
    with FaultProxy(target.host or "127.0.0.1", target.port or 5432) as proxy:
        url = target.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)

        def cut_database(down: bool) -> None:
            proxy.cut() if down else proxy.restore()

        tally = await run_chaos(tmp_path, url, free_port(), CUSTOMERS, KILLS, cut_database)
    print(tally)  # pytest -s shows the counts
    assert tally.accepted >= CUSTOMERS
    assert (tally.lost, tally.stranded, tally.doubled, tally.errors) == (0, 0, 0, []), tally
