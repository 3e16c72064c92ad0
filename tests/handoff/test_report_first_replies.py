"""Reports tell the bot's first reply and the team's apart (#12): before, a handed-off ticket's
first response was whatever came first, and the bot's acknowledgement made the median 0 s. Now
``first_response_time`` is the agent's first reply for tickets an agent handled and
``bot_first_response_time`` is the bot's, in ``frontdesk report --json``, ``GET
/api/agent/report`` and the console's Reports page; a bad date range there is a console page."""

from __future__ import annotations

import json
from datetime import timedelta

from tests.bot.test_cli_report import frontdesk

from .conftest import LiveDesk

CRASH = "The desktop app freezes and closes whenever I export a PDF."


async def test_the_bots_first_reply_is_reported_beside_the_agents(
    desk: LiveDesk, database_url: str
) -> None:
    clock = desk.fd.desk.clock
    late = timedelta(0)
    desk.fd.desk.clock = lambda: clock() + late  # the agent answers ten minutes later
    customer = await desk.customer()
    tid = await customer.opens_ticket(CRASH)
    ann = await desk.agent("ann@example.com", role="manager")
    late = timedelta(minutes=10)
    await ann.ok("POST", f"/api/agent/tickets/{tid}/messages", {"text": "Looking into it."})

    report = await ann.ok("GET", "/api/agent/report")
    human, bot = report["first_response_time"], report["bot_first_response_time"]
    assert human["count"] == 1 and 600 <= human["median_s"] < 660
    assert bot["count"] == 1 and bot["median_s"] < 5  # the acknowledgement, right away
    code, out, err = await frontdesk("report", "--json", "--database-url", database_url)
    assert code == 0, err
    assert json.loads(out)["bot_first_response_time"]["count"] == 1

    async with ann.http.get(desk.url("/console/reports")) as r:
        page = await r.text()
    assert 'data-metric="bot_first_response_time.median_s"' in page
    assert "Bot&#39;s first reply, median" in page or "Bot's first reply, median" in page


async def test_the_report_api_refuses_what_it_cannot_answer(desk: LiveDesk) -> None:
    agent = await desk.agent("kim@example.com")
    assert (await agent.call("GET", "/api/agent/report"))[0] == 403
    boss = await desk.agent("bo@example.com", role="manager")
    status, body = await boss.call("GET", "/api/agent/report?since=2026-03-05&until=2026-03-01")
    assert status == 400 and "empty" in body["error"]
    status, body = await boss.call("GET", "/api/agent/report?by=mood")
    assert status == 400 and "mood" in body["error"]
    by_type = await boss.ok("GET", "/api/agent/report?by=type&since=2026-01-01")
    assert by_type["breakdown"] == {}
    # an empty day is not given, as the reports page's form sends it (and the document says)
    empty = await boss.ok("GET", "/api/agent/report?since=&until=")
    absent = await boss.ok("GET", "/api/agent/report")
    assert empty.pop("period") != absent.pop("period")  # "now" moved on between the calls
    assert empty == absent


async def test_a_bad_date_range_on_reports_is_a_page_of_the_console(desk: LiveDesk) -> None:
    """Before: a bare text 400 outside the console (no nav, no style, no way back)."""
    boss = await desk.agent("bo@example.com", role="manager")
    url = desk.url("/console/reports?since=2026-03-05&until=2026-03-01")
    async with boss.http.get(url) as r:
        assert r.status == 400 and r.content_type == "text/html"
        page = await r.text()
    assert 'class="topbar"' in page and "/console/static/console.css" in page
    assert "the period is empty" in page and 'href="/console/reports"' in page
    async with desk.http().get(url) as r:  # nobody signed in: the console's sign-in way
        page = await r.text()
    assert r.status == 401 and 'href="/console/login?next=%2Fconsole%2Freports' in page
