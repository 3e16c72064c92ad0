from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from classifier.catalog import UNKNOWN_INTENT, Catalog, load_catalog
from classifier.errors import CatalogError
from classifier.examples import (
    shipped_examples,
    shipped_examples_by_language,
    shipped_priority_examples,
)
from models import Priority, TicketType

FULFILLED = {"password_reset", "account_update", "add_team_member", "feature_access"}


def test_shipped_catalog_covers_every_shipped_intent() -> None:
    catalog = load_catalog()
    counts = Counter(label for _, label in shipped_examples())
    assert set(counts) == catalog.trainable
    assert len(catalog.trainable) >= 35
    assert min(counts.values()) >= 50
    assert catalog.fallback.name == UNKNOWN_INTENT


def test_every_language_covers_every_intent() -> None:
    catalog = load_catalog()
    by_language = shipped_examples_by_language()
    assert set(by_language) == {"en", "de", "fr", "es"}
    for language, rows in by_language.items():
        counts = Counter(label for _, label in rows)
        assert set(counts) == catalog.trainable, language
        assert min(counts.values()) >= (50 if language == "en" else 20), language
    texts = [t.lower() for t, _ in shipped_examples()]
    labels = {t.lower(): label for t, label in shipped_examples()}
    assert all(labels[t.lower()] == label for t, label in shipped_examples())  # no contradictions
    assert len(texts) - len(set(texts)) < 20  # only greetings shared between languages


def test_shipped_catalog_routing() -> None:
    c = load_catalog()
    assert (c["system_downtime"].type, c["system_downtime"].priority) == (
        TicketType.INCIDENT,
        Priority.HIGH,
    )
    assert c["change_request"].type is TicketType.CHANGE_REQUEST
    assert c["recurring_problem"].type is TicketType.PROBLEM
    assert c["billing_question"].team == "billing" and c["billing_question"].fulfiller is None
    assert {n for n, s in c.items() if s.fulfiller} == FULFILLED
    assert {n for n, s in c.items() if s.kind == "conversation"} == {
        "greeting",
        "human_request",
        "thanks",
        "goodbye",
    }
    assert c["sso_setup"].type is TicketType.CHANGE_REQUEST  # needs an approval, not a seat
    assert {c[n].team for n in ("invoice_copy", "charged_twice", "refund_request")} == {"billing"}
    assert len({s.label for s in c.values()}) == len(c)  # each clarifying button says its own
    assert all(s.label for s in c.values())


def test_priority_examples_cover_every_priority() -> None:
    counts = Counter(p for _, p in shipped_priority_examples())
    assert set(counts) == {p.value for p in Priority} and min(counts.values()) >= 30


def test_unlisted_intent_falls_back() -> None:
    c = load_catalog()
    assert c.spec_for("no_such_intent") is c.fallback


@pytest.mark.parametrize(
    ("intents", "message"),
    [
        ({"a": {"type": "incident", "priority": "high"}}, "exactly one intent of kind 'fallback'"),
        ({"a": {"type": "bogus", "priority": "high", "kind": "fallback"}}, "intent 'a'"),
        ({"a": {"priority": "high", "kind": "fallback"}}, "missing field 'type'"),
        ({"a": {"type": "incident", "priority": "high", "kind": "weird"}}, "kind must be"),
    ],
)
def test_malformed_catalogs_are_refused_with_a_clear_message(
    tmp_path: Path, intents: dict[str, object], message: str
) -> None:
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps({"intents": intents}))
    with pytest.raises(CatalogError, match=message):
        load_catalog(path)


def test_unreadable_catalog(tmp_path: Path) -> None:
    (tmp_path / "c.json").write_text("{not json")
    with pytest.raises(CatalogError, match="cannot read"):
        load_catalog(tmp_path / "c.json")


def test_open_set_catalog_for_benchmarks() -> None:
    c = Catalog.open_set(["card_arrival", "top_up", "unknown"])
    assert c.trainable == {"card_arrival", "top_up"} and c.fallback.name == UNKNOWN_INTENT


def test_a_desk_may_bring_its_own_catalog(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shipped = json.loads((Path(__file__).parents[2] / "classifier/data/catalog.json").read_text())
    own = {k: v for k, v in shipped["intents"].items() if k in {"password_reset", "unknown"}}
    own["password_reset"] = {**own["password_reset"], "team": "it-desk", "priority": "high"}
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps({**shipped, "intents": own}))
    monkeypatch.setenv("FRONTDESK_INTENT_CATALOG", str(path))
    catalog = load_catalog()
    assert set(catalog) == {"password_reset", "unknown"}
    assert (catalog["password_reset"].team, catalog["password_reset"].priority) == (
        "it-desk",
        Priority.HIGH,
    )
    assert set(load_catalog(Path(__file__).parents[2] / "classifier/data/catalog.json")) > set(own)
    monkeypatch.setenv("FRONTDESK_INTENT_CATALOG", str(tmp_path / "missing.json"))
    with pytest.raises(CatalogError, match=r"missing\.json"):
        load_catalog()
