"""Web chat, end to end: after an agent resolves the ticket, the customer's thanks and goodbye
close the loop (no greeting, no new ticket), a greeting still greets, and a rating button still
counts."""

from __future__ import annotations

import pytest

from classifier.catalog import load_catalog
from models import Prediction, TicketFilter

from .conftest import LiveDesk

CATALOG = load_catalog()


class ConversationClassifier:
    """A hand-written fake: sure of thanks, goodbye and a greeting, the rest an app crash.
    (What the trained model makes of such messages is tests/classifier's.)"""

    def classify(self, text: str) -> Prediction:
        lowered = text.lower()
        intent = (
            "thanks" if "thank" in lowered
            else "goodbye" if "bye" in lowered
            else "greeting" if lowered.startswith("hello")
            else "app_crash"
        )  # fmt: skip
        spec = CATALOG.spec_for(intent)
        return Prediction(intent, spec.type, spec.priority, 0.97, spec.team, spec.fulfiller)

    def classify_many(self, texts: list[str]) -> list[Prediction]:
        return [self.classify(t) for t in texts]


@pytest.fixture
def trained_classifier() -> ConversationClassifier:
    """The classifier ``make_desk`` serves (conftest's is the trained model): here, the fake."""
    return ConversationClassifier()


CRASH = "The desktop app freezes and closes whenever I export a PDF."


async def test_thanks_and_goodbye_after_a_resolution_close_the_loop(desk: LiveDesk) -> None:
    customer, ann, tid, prompt = await desk.resolved_by_an_agent(CRASH)

    await customer.say("thanks a lot!")
    await customer.wait_for(lambda m: "You're welcome — glad it's sorted." in m["text"])
    await customer.say("ok bye then")
    await customer.wait_for(lambda m: m["text"].startswith("Goodbye — glad it's sorted."))
    await customer.say("hello")
    await customer.wait_for(lambda m: m["text"].startswith("Hello! I'm the support assistant"))
    await customer.say(payload=prompt["buttons"][-1]["payload"])
    await customer.wait_for(lambda m: "5/5" in m["text"])

    bot_lines = [m["text"] for m in customer.messages if m["sender"] == "bot"]
    assert sum(line.startswith("Hello!") for line in bot_lines) == 1  # only to the greeting
    tickets = await desk.fd.store.read(lambda uow: uow.tickets.list(TicketFilter()))
    assert [(t.id, t.status.value) for t in tickets] == [(tickets[0].id, "resolved")]
    assert (await ann.ticket(tid))["csat"]["score"] == 5
