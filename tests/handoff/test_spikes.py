"""The spike rule, TF-IDF clustering and detection, as pure functions."""

from __future__ import annotations

import math
from datetime import timedelta

import pytest

from handoff.spikes import (
    Incident,
    SpikeRule,
    TfIdf,
    clusters,
    cosine,
    detect,
    poisson_upper_tail,
)


def test_poisson_upper_tail_matches_closed_forms() -> None:
    assert poisson_upper_tail(0, 3.0) == 1.0
    assert poisson_upper_tail(1, 1.0) == pytest.approx(1 - math.exp(-1))
    assert poisson_upper_tail(3, 2.0) == pytest.approx(1 - 5 * math.exp(-2))
    assert poisson_upper_tail(2, 0.0) == 0.0
    tiny = 0.01**20 / math.factorial(20) * math.exp(-0.01)
    assert poisson_upper_tail(20, 0.01) == pytest.approx(tiny, rel=1e-3)  # no 1 - cdf rounding
    assert poisson_upper_tail(50, 50.0) == pytest.approx(0.5188, abs=1e-3)


def test_rule_needs_both_a_minimum_count_and_a_small_tail() -> None:
    rule = SpikeRule(window=timedelta(minutes=30), baseline=timedelta(days=7), min_count=5)
    assert rule.expected(0) == pytest.approx(30 / (7 * 24 * 60))  # the floor of one incident
    assert rule.test(5, 0)[0] is True
    assert rule.test(4, 0)[0] is False  # too few, however unusual
    usual = 5 * 7 * 48  # five per half hour, every half hour of the week
    assert rule.test(5, usual)[0] is False
    assert rule.test(25, usual)[0] is True
    _, mu, p = rule.test(12, 336)
    assert mu == pytest.approx(1.0) and p == pytest.approx(poisson_upper_tail(12, 1.0))


def test_similar_texts_cluster_and_different_ones_do_not() -> None:
    texts = [
        "Checkout is broken, the payment page shows error 500",
        "checkout broken: payment page error 500 again",
        "The checkout payment page gives me an error 500",
        "How do I change my invoice address?",
    ]
    model = TfIdf(texts)
    vectors = [model.vector(t) for t in texts]
    assert cosine(vectors[0], vectors[1]) > 0.5
    assert cosine(vectors[0], vectors[3]) < 0.1
    assert sorted(map(sorted, clusters(vectors, 0.4))) == [[0, 1, 2], [3]]


BURST = [
    "Checkout is broken, payment fails with error 500",
    "checkout broken - payment error 500",
    "I can't pay, the checkout says error 500",
    "Payment at checkout fails: error 500",
    "error 500 on checkout when I pay",
    "checkout page error 500, payment impossible",
]


def test_a_burst_of_similar_texts_across_intents_is_one_spike() -> None:
    intents = ["payment_error"] * 4 + ["system_downtime"] * 2
    recent = [
        Incident(i + 1, intent, text)
        for i, (intent, text) in enumerate(zip(intents, BURST, strict=True))
    ]
    recent += [Incident(50, "login_failure", "I cannot log in to my account")]
    spikes = detect(recent, {"payment_error": 3}, ["refund for last month please"], SpikeRule())
    assert len(spikes) == 1
    (spike,) = spikes
    assert spike.intent == "payment_error"
    assert spike.incident_ids == (1, 2, 3, 4, 5, 6)
    assert spike.p_value < 1e-3
    assert "similar texts" in spike.describe(timedelta(minutes=30))


def test_an_intent_spike_and_a_usual_day() -> None:
    rule = SpikeRule()
    recent = [Incident(i, "login_failure", f"login problem number {i} {w}") for i, w in
              enumerate(["alpha", "bravo", "charlie", "delta", "echo", "foxtrot"])]  # fmt: skip
    (spike,) = detect(recent, {}, [], rule)
    assert spike.intent == "login_failure" and len(spike.incident_ids) == 6
    # the same six on a day when login failures (and texts like these) are common
    usual = ["login problem number seven golf"] * 2000
    assert detect(recent, {"login_failure": 6 * 48 * 7}, usual, rule) == []
