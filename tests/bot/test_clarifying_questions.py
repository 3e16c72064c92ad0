"""Clarifying questions, as transcripts: an unsure classifier makes the bot ask, not guess."""

from __future__ import annotations

from pathlib import Path

from classifier.catalog import load_catalog
from models import Prediction, parse_ticket_id
from store.database import Store

from .chat import ChatCustomer, frontdesk_of, serving, settings_for

CATALOG = load_catalog()
UNSURE_ABOUT = "my workspace thing is acting weird"


def _prediction(intent: str, confidence: float, *alternatives: tuple[str, float]) -> Prediction:
    spec = CATALOG.spec_for(intent)
    return Prediction(
        intent=intent,
        type=spec.type,
        priority=spec.priority,
        confidence=confidence,
        team=spec.team,
        fulfiller=spec.fulfiller,
        alternatives=alternatives,
    )


class UnsureClassifier:
    """A hand-written fake: sure (0.97) of a few texts, unsure (0.41) of everything else,
    with login failure and password reset as its next guesses. No tuned thresholds, so the
    bot asks below its default 0.5."""

    def classify(self, text: str) -> Prediction:
        if "password" in text:
            return _prediction("password_reset", 0.97)
        if "log in" in text:
            return _prediction("login_failure", 0.97)
        return _prediction(
            "unknown", 0.41, ("login_failure", 0.31), ("password_reset", 0.2), ("app_crash", 0.01)
        )

    def classify_many(self, texts: list[str]) -> list[Prediction]:
        return [self.classify(t) for t in texts]


async def _labels(url: str) -> list[tuple[str, str | None, str]]:
    async with Store(url) as store:
        labels = await store.read(lambda uow: uow.labels.list())
    return [(label.text, label.intent, label.source) for label in labels]


async def _ticket(client: object, public_id: str) -> dict[str, object]:
    fd = frontdesk_of(client)  # type: ignore[arg-type]
    tid = parse_ticket_id(public_id)
    ticket = await fd.store.read(lambda uow: uow.tickets.get(tid))
    return {
        "intent": ticket.intent,
        "type": ticket.type.value,
        "team": ticket.team,
        "description": ticket.description,
    }


async def test_an_unsure_bot_asks_and_the_answer_opens_the_ticket_and_labels_the_text(
    sqlite_url: str, tmp_path: Path
) -> None:
    async with serving(settings_for(sqlite_url, tmp_path), UnsureClassifier()) as client:
        customer = await ChatCustomer(client).open()
        await customer.say(UNSURE_ABOUT)
        question = await customer.expect_reply()
        assert "Which of these is closest" in question["text"]
        assert [(b["label"], b["payload"]) for b in question["buttons"]] == [
            ("I can't log in", "intent:login_failure"),
            ("Reset my password", "intent:password_reset"),
            ("Something else", "intent:other"),
            ("Talk to a person", "intent:human"),
        ]
        await customer.say(payload="intent:login_failure")
        reply = await customer.expect_reply()
        assert "opened ticket" in reply["text"] and "incident" in reply["text"]
        ticket = await _ticket(client, customer.ticket_id())
        assert ticket == {
            "intent": "login_failure",
            "type": "incident",
            "team": "accounts",
            "description": UNSURE_ABOUT,
        }
    assert await _labels(sqlite_url) == [(UNSURE_ABOUT, "login_failure", "clarification")]


async def test_choosing_an_intent_with_a_fulfiller_starts_its_dialogue(
    sqlite_url: str, tmp_path: Path
) -> None:
    async with serving(settings_for(sqlite_url, tmp_path), UnsureClassifier()) as client:
        customer = await ChatCustomer(client).open()
        await customer.say(UNSURE_ABOUT)
        await customer.expect_reply()
        await customer.say(payload="intent:password_reset")
        reply = await customer.expect_reply()
        assert "I can take care of it myself" in reply["text"]
        assert (await _ticket(client, customer.ticket_id()))["intent"] == "password_reset"


async def test_something_else_asks_to_rephrase_once_then_a_person_takes_over(
    sqlite_url: str, tmp_path: Path
) -> None:
    async with serving(settings_for(sqlite_url, tmp_path), UnsureClassifier()) as client:
        customer = await ChatCustomer(client).open()
        await customer.say(UNSURE_ABOUT)
        await customer.expect_reply()
        await customer.say(payload="intent:other")
        rephrase = await customer.expect_reply()
        assert "in other words" in rephrase["text"]
        assert [b["payload"] for b in rephrase["buttons"]] == ["intent:human"]
        await customer.say("it is just odd, you know")  # still unsure: hand off
        reply = await customer.expect_reply()
        assert "human agent will take over" in reply["text"]
        ticket = await _ticket(client, customer.ticket_id())
        assert ticket["intent"] == "unknown" and ticket["description"] == UNSURE_ABOUT
    assert await _labels(sqlite_url) == []


async def test_a_clearer_rephrasing_opens_the_ticket_it_describes(
    sqlite_url: str, tmp_path: Path
) -> None:
    async with serving(settings_for(sqlite_url, tmp_path), UnsureClassifier()) as client:
        customer = await ChatCustomer(client).open()
        await customer.say(UNSURE_ABOUT)
        await customer.expect_reply()
        await customer.say("I can't log in since this morning")
        reply = await customer.expect_reply()
        assert "opened ticket" in reply["text"]
        ticket = await _ticket(client, customer.ticket_id())
        assert ticket["intent"] == "login_failure"
        assert ticket["description"] == f"{UNSURE_ABOUT}\nI can't log in since this morning"


async def test_talk_to_a_person_hands_off_with_the_original_message(
    sqlite_url: str, tmp_path: Path
) -> None:
    async with serving(settings_for(sqlite_url, tmp_path), UnsureClassifier()) as client:
        customer = await ChatCustomer(client).open()
        await customer.say(UNSURE_ABOUT)
        await customer.expect_reply()
        await customer.say(payload="intent:human")
        reply = await customer.expect_reply()
        assert reply["text"].startswith("Of course, I'll get you a human agent.")
        ticket = await _ticket(client, customer.ticket_id())
        assert ticket["intent"] == "human_request" and ticket["description"] == UNSURE_ABOUT
