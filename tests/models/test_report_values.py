"""A report's numbers as the API and the CSV export carry them (``models/metrics.py``), the
agents' role order, the errors that carry a wait, and texts said one after the other: small
domain values the server tests read over HTTP, pinned here where mutation testing runs
(docs/benchmarks.md)."""

from __future__ import annotations

from models import AgentRole, Overloaded, StoreUnavailable, TooFast
from models.metrics import CsatCounts, DurationStats, TicketCounts, TicketMetrics, flatten
from models.texts import _


def test_a_reports_numbers_by_name_with_none_where_nothing_was_counted() -> None:
    counts = TicketCounts(
        volume=8,
        escalated=2,
        resolved=5,
        resolved_first_contact=4,
        auto_resolved=1,
        self_served=3,
        sla_met=3,
        sla_decided=4,
        first_response=DurationStats(60.0, 90.0, 70.0, 6),
        resolution=DurationStats(3600.0, 7200.0, 4000.0, 5),
        bot_first_response=DurationStats(1.0, 2.0, 1.5, 8),
    )
    shown = TicketMetrics(counts, CsatCounts(responses=4, score_sum=14, satisfied=3)).as_json()
    assert shown == {
        "first_response_time": {"median_s": 60.0, "p90_s": 90.0, "mean_s": 70.0, "count": 6},
        "bot_first_response_time": {"median_s": 1.0, "p90_s": 2.0, "mean_s": 1.5, "count": 8},
        "resolution_time": {"median_s": 3600.0, "p90_s": 7200.0, "mean_s": 4000.0, "count": 5},
        "first_contact_resolution_rate": 0.8,
        "volume": 8,
        "escalation_rate": 0.25,
        "csat": {"mean": 3.5, "satisfied_share": 0.75, "responses": 4},
        "automation_rate": 0.125,
        "self_service_rate": 0.375,
        "sla_compliance": 0.75,
    }
    assert list(shown) == [
        "first_response_time",
        "bot_first_response_time",
        "resolution_time",
        "first_contact_resolution_rate",
        "volume",
        "escalation_rate",
        "csat",
        "automation_rate",
        "self_service_rate",
        "sla_compliance",
    ]  # fmt: skip  (the CSV's column order)
    empty = TicketMetrics(TicketCounts(), CsatCounts()).as_json()
    assert empty["csat"] == {"mean": None, "satisfied_share": None, "responses": 0}
    assert empty["sla_compliance"] is None and empty["first_contact_resolution_rate"] is None
    assert empty["first_response_time"] == {
        "median_s": None, "p90_s": None, "mean_s": None, "count": 0
    }  # fmt: skip


def test_nested_numbers_become_one_column_each() -> None:
    assert flatten({"volume": 3, "csat": {"mean": 4.5, "split": {"a": 1}}, "x": None}) == {
        "volume": 3,
        "csat.mean": 4.5,
        "csat.split.a": 1,
        "x": None,
    }
    assert flatten({"a": {"b": 1}}, "by_team.") == {"by_team.a.b": 1}
    assert flatten({}) == {}


def test_roles_are_ordered_agent_manager_admin() -> None:
    assert AgentRole.ADMIN.at_least(AgentRole.MANAGER) and AgentRole.ADMIN.at_least(AgentRole.ADMIN)
    assert AgentRole.MANAGER.at_least(AgentRole.AGENT)
    assert not AgentRole.AGENT.at_least(AgentRole.MANAGER)
    assert not AgentRole.MANAGER.at_least(AgentRole.ADMIN)


def test_the_errors_that_ask_to_wait_say_how_long() -> None:
    busy = Overloaded("the front desk is very busy", 3.0)
    assert (str(busy), busy.retry_after) == ("the front desk is very busy", 3.0)
    gone = StoreUnavailable()
    assert (str(gone), gone.retry_after) == ("the database is unavailable", 5.0)
    full = StoreUnavailable("the disk is full", 30.0)
    assert (str(full), full.retry_after) == ("the disk is full", 30.0)
    slow = TooFast(60.0, "too many attempts")
    assert (str(slow), slow.retry_after) == ("too many attempts", 60.0)


def test_two_texts_said_one_after_the_other_are_each_translated() -> None:
    both = _("Hello {name}. ", name="Ann") + _("Bye.")
    assert str(both) == "Hello Ann. Bye."
    catalog = {"Hello {name}. ": "Hallo {name}. ", "Bye.": "Tschüss."}
    assert both.render(lambda msgid: catalog.get(msgid, msgid)) == "Hallo Ann. Tschüss."
