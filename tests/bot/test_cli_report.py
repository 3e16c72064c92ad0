"""`frontdesk report` prints exactly the scripted day's numbers, as JSON, CSV and text."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import sys
from pathlib import Path

from store.database import Store
from store.migrate import upgrade
from tests.handoff.metrics_scenario import EXPECTED, EXPECTED_BY_TYPE_VOLUME, build_day

FRONTDESK = str(Path(sys.executable).parent / "frontdesk")
PERIOD_ARGS = ["--since", "2026-03-02", "--until", "2026-03-03", "--as-of", "2026-03-03T15:00:00Z"]


async def frontdesk(*args: str) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        FRONTDESK,
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={"PATH": "/usr/bin:/bin", "HOME": "/tmp"},
    )
    out, err = await proc.communicate()
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def scripted_day(url: str) -> None:
    await upgrade(url)
    async with Store(url) as store:
        await build_day(store)


async def test_report_json_gives_the_scripted_numbers(database_url: str) -> None:
    await scripted_day(database_url)
    code, out, err = await frontdesk(
        "report", *PERIOD_ARGS, "--json", "--database-url", database_url
    )
    assert code == 0, err
    data = json.loads(out)
    assert {k: data[k] for k in EXPECTED} == EXPECTED
    code, out, err = await frontdesk(
        "report", *PERIOD_ARGS, "--by", "type", "--json", "--database-url", database_url
    )
    assert code == 0, err
    by_type = json.loads(out)["breakdown"]
    assert {k: v["volume"] for k, v in by_type.items()} == EXPECTED_BY_TYPE_VOLUME


async def test_report_csv_and_text(sqlite_url: str) -> None:
    await scripted_day(sqlite_url)
    code, out, err = await frontdesk(
        "report", *PERIOD_ARGS, "--by", "agent", "--csv", "--database-url", sqlite_url
    )
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["group"] for r in rows] == [
        "all",
        "(unassigned)",
        "ann@example.com",
        "bob@example.com",
    ]
    assert rows[0]["volume"] == "6"
    assert rows[0]["first_response_time.median_s"] == "900.0"
    assert rows[0]["csat.satisfied_share"] == "0.4"
    assert rows[1]["first_contact_resolution_rate"] == "1.0"  # C, resolved by the bot
    assert rows[3]["first_contact_resolution_rate"] == "0.0"  # D was reopened
    code, out, err = await frontdesk(
        "report",
        "--since",
        "2020-01-01",
        "--until",
        "2020-01-31",
        "--csv",
        "--database-url",
        sqlite_url,
    )
    assert code == 0, err
    (empty,) = csv.DictReader(io.StringIO(out))
    assert empty["volume"] == "0" and empty["escalation_rate"] == ""  # null: nothing to divide
    code, out, err = await frontdesk("report", *PERIOD_ARGS, "--database-url", sqlite_url)
    assert code == 0, err
    assert "volume                 6" in out
    assert "median 15.0 min" in out


async def test_bad_dates_give_one_line_and_a_failure(sqlite_url: str) -> None:
    for args in (
        ["--since", "yesterday"],
        ["--until", "2026-13-45"],
        ["--since", "2026-03-05", "--until", "2026-03-01"],
    ):
        code, out, err = await frontdesk("report", *args, "--database-url", sqlite_url)
        assert code != 0
        assert out == ""
        assert len(err.strip().splitlines()) == 1, err
        assert "Traceback" not in err
    code, _, err = await frontdesk("report", "--by", "weather", "--database-url", sqlite_url)
    assert code == 2 and "weather" in err
