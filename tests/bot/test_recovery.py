"""What a failed message gets (bot/recovery.py): a database outage is waited out, never
apologised for; a failure of the message's own is retried, then apologised for once."""

from __future__ import annotations

from bot.recovery import MESSAGE_ATTEMPTS, outage_wait, with_retries
from models import StoreUnavailable


class Attempts:
    """A message's processing that fails with ``errors`` in turn, then succeeds."""

    def __init__(self, *errors: Exception) -> None:
        self.errors = list(errors)
        self.tries = 0
        self.apologised: list[int] = []
        self.waits: list[float] = []

    async def process(self) -> None:
        self.tries += 1
        if self.errors:
            raise self.errors.pop(0)

    async def apologise(self, message_id: int) -> None:
        self.apologised.append(message_id)

    async def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)


async def test_an_outage_of_any_length_is_waited_out_without_an_apology() -> None:
    attempts = Attempts(*(StoreUnavailable() for _ in range(40)))
    await with_retries(7, attempts.process, attempts.apologise, sleep=attempts.sleep)
    assert attempts.tries == 41 and attempts.apologised == []
    assert attempts.waits[:3] == [0.2, 0.4, 0.8] and max(attempts.waits) == 5.0


async def test_a_message_that_keeps_failing_is_apologised_for_once() -> None:
    attempts = Attempts(*(RuntimeError("bug") for _ in range(10)))
    await with_retries(7, attempts.process, attempts.apologise, sleep=attempts.sleep)
    assert attempts.tries == MESSAGE_ATTEMPTS and attempts.apologised == [7]


async def test_a_passing_failure_gets_another_chance() -> None:
    attempts = Attempts(RuntimeError("hiccup"))
    await with_retries(7, attempts.process, attempts.apologise, sleep=attempts.sleep)
    assert attempts.tries == 2 and attempts.apologised == []


def test_the_outage_wait_doubles_up_to_five_seconds() -> None:
    assert [outage_wait(n) for n in (1, 2, 3, 6, 50)] == [0.2, 0.4, 0.8, 5.0, 5.0]
