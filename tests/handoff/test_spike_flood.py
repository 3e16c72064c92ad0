"""A flood of one incident never hangs the front desk: the spike statistics stay finite and
bounded in time for any count, and detection runs off the event loop while requests go on."""

from __future__ import annotations

import asyncio
import math
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from classifier.catalog import load_catalog
from handoff.spikes import Incident, SpikeRule, detect, poisson_upper_tail
from models import Prediction

from ..bot.chat import ChatCustomer, frontdesk_of, serving, settings_for
from .test_problems import problems

CATALOG = load_catalog()


@settings(max_examples=300, deadline=1000)
@given(
    k=st.integers(min_value=-5, max_value=10**9),
    mu=st.one_of(
        st.floats(min_value=0, max_value=1e12, allow_nan=False),
        st.sampled_from([0.0, 5e-324, 1e-300, 30 / (7 * 24 * 60), math.inf, math.nan, -1.0]),
    ),
)
def test_the_poisson_tail_is_a_probability_for_any_count_and_mean(k: int, mu: float) -> None:
    p = poisson_upper_tail(k, mu)  # answered within hypothesis' deadline, whatever the input
    assert 0.0 <= p <= 1.0
    assert poisson_upper_tail(k + 1, mu) <= p  # more incidents are never less surprising


def test_the_tail_that_used_to_loop_for_ever_is_answered() -> None:
    # ~80 incidents against a quiet week: the first series term underflows to zero.
    mu = SpikeRule().expected(0)
    assert poisson_upper_tail(81, mu) == 0.0
    assert poisson_upper_tail(5000, mu) == 0.0
    assert SpikeRule().test(200, 0)[0] is True


@pytest.mark.timeout(30)  # before the fix this never ended; the clustering budget is 1 s
def test_two_thousand_incidents_of_one_intent_are_one_spike() -> None:
    flood = [Incident(i, "payment_error", "Card payments keep failing") for i in range(1, 2001)]
    (spike,) = detect(flood, {}, [], SpikeRule(), budget=1.0)
    assert spike.intent == "payment_error" and len(spike.incident_ids) == 2000


class IncidentClassifier:
    """Every message is a payment incident (a fake at our own port, sure of itself)."""

    def classify(self, text: str) -> Prediction:
        spec = CATALOG.spec_for("payment_error")
        return Prediction("payment_error", spec.type, spec.priority, 0.99, team=spec.team)

    def classify_many(self, texts: list[str]) -> list[Prediction]:
        return [self.classify(t) for t in texts]


async def test_two_hundred_incidents_in_a_second_leave_healthz_answering(
    sqlite_url: str, tmp_path: Path
) -> None:
    settings_ = settings_for(  # 200 customers, all on 127.0.0.1
        sqlite_url,
        tmp_path,
        spike_check_interval_s=0.2,
        sessions_per_ip_per_min=0,
        tickets_per_ip_per_hour=0,
    )
    async with serving(settings_, IncidentClassifier()) as client:
        customers = [await ChatCustomer(client).open() for _ in range(200)]
        await asyncio.gather(*(c.say("Card payments keep failing") for c in customers))
        store = frontdesk_of(client).store
        deadline = time.monotonic() + 30
        while not await problems(store):
            # Every health check is answered promptly while detection runs.
            response = await asyncio.wait_for(client.get("/healthz"), timeout=5)
            assert response.status == 200
            assert time.monotonic() < deadline, "the spike watcher opened no problem ticket"
            await asyncio.sleep(0.1)
        ((_, status, linked),) = await problems(store)
        # Detection may run while the flood is still being processed: what counts is one problem
        # ticket holding at least a spike's worth of incidents, and a server that kept answering.
        assert status == "new" and len(linked) >= SpikeRule().min_count
        response = await asyncio.wait_for(client.get("/healthz"), timeout=5)
        assert response.status == 200
