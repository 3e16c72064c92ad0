"""Background jobs: a failing round is logged and retried, and never stops another job."""

from __future__ import annotations

import asyncio
import logging

import pytest

from service.periodic import periodic


async def test_a_failing_round_is_logged_and_retried_while_the_other_jobs_keep_going(
    caplog: pytest.LogCaptureFixture,
) -> None:
    attempts, steady_rounds = 0, 0
    recovered, steady_ran = asyncio.Event(), asyncio.Event()

    async def flaky() -> None:
        nonlocal attempts
        attempts += 1
        if attempts <= 2:
            raise ConnectionError("the database went away")
        recovered.set()

    async def steady() -> None:
        nonlocal steady_rounds
        steady_rounds += 1
        steady_ran.set()

    with caplog.at_level(logging.ERROR):
        async with (
            periodic("outbox delivery", 0.01, flaky, immediately=True) as delivery,
            periodic("spike check", 0.01, steady) as spikes,
        ):
            await asyncio.wait_for(recovered.wait(), 10)
            await asyncio.wait_for(steady_ran.wait(), 10)
            assert delivery.running and spikes.running
    assert delivery.failures == 2 and attempts >= 3
    assert spikes.failures == 0 and steady_rounds >= 1
    failures = [r for r in caplog.records if "outbox delivery failed" in r.getMessage()]
    assert len(failures) == 2
    assert all(r.exc_info and "database went away" in str(r.exc_info[1]) for r in failures)


async def test_a_job_stops_with_its_block_and_an_interval_of_zero_turns_it_off() -> None:
    rounds = 0

    async def job() -> None:
        nonlocal rounds
        rounds += 1

    async with periodic("off", 0, job, immediately=True) as off:
        await asyncio.sleep(0)
        assert not off.running
    async with periodic("escalation", 0.01, job, immediately=True) as on:
        while rounds == 0:  # noqa: ASYNC110 - waiting for the first round
            await asyncio.sleep(0.005)
    assert not on.running
    after_stop = rounds
    await asyncio.sleep(0.05)
    assert rounds == after_stop


async def test_idle_replaces_the_sleep_between_rounds() -> None:
    woken: list[float] = []
    rounds = 0
    done = asyncio.Event()

    async def idle(seconds: float) -> None:
        woken.append(seconds)
        await asyncio.sleep(0)

    async def job() -> None:
        nonlocal rounds
        rounds += 1
        if rounds == 3:
            done.set()

    async with periodic("delivery", 2.0, job, immediately=True, idle=idle):
        await asyncio.wait_for(done.wait(), 10)
    assert woken[:2] == [2.0, 2.0]


async def test_a_failure_while_waiting_between_rounds_is_retried_and_stopping_never_raises(
    caplog: pytest.LogCaptureFixture,
) -> None:
    waits = 0
    retried = asyncio.Event()

    async def job() -> None:
        if waits >= 2:
            retried.set()

    async def idle(seconds: float) -> None:
        nonlocal waits
        waits += 1
        if waits == 1:
            raise ConnectionError("the database connection was terminated")
        await asyncio.sleep(seconds)

    with caplog.at_level(logging.ERROR):
        async with periodic("delivery", 0.01, job, immediately=True, idle=idle) as delivery:
            await asyncio.wait_for(retried.wait(), 10)
    assert delivery.failures == 1 and not delivery.running
    assert "delivery failed" in caplog.text


async def test_a_job_that_turns_its_stop_into_another_error_still_stops() -> None:
    """A database driver interrupted mid-query may raise its own error instead of the
    cancellation: the job must end, and leaving its block must not raise."""
    started = asyncio.Event()

    async def job() -> None:
        started.set()
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            raise ConnectionError("connection was closed in the middle of operation") from None

    async with periodic("delivery", 0.01, job, immediately=True) as delivery:
        await asyncio.wait_for(started.wait(), 10)
    assert not delivery.running


async def test_a_job_with_an_owner_runs_only_while_this_process_holds_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("service.periodic.STANDBY_SECONDS", 0.01)
    holder: dict[str, bool | Exception] = {"escalation": False}
    asked: list[str] = []
    rounds = 0
    ran = asyncio.Event()

    async def owner(name: str) -> bool:  # another process holds it, then it is ours
        asked.append(name)
        held = holder[name]
        if isinstance(held, Exception):
            raise held
        return held

    async def job() -> None:
        nonlocal rounds
        rounds += 1
        ran.set()

    async with periodic("escalation", 0.01, job, immediately=True, owner=owner) as escalation:
        while len(asked) < 3:  # noqa: ASYNC110 - standing by
            await asyncio.sleep(0.005)
        assert rounds == 0 and not escalation.owning
        holder["escalation"] = True  # the owner died: taken over
        await asyncio.wait_for(ran.wait(), 10)
        assert escalation.owning
        holder["escalation"] = ConnectionError("the database went away")  # cannot tell
        while escalation.owning:  # noqa: ASYNC110 - standing by again
            await asyncio.sleep(0.005)
        stopped_at = rounds
        await asyncio.sleep(0.05)
        assert rounds == stopped_at
        assert escalation.running  # standing by, not ended
