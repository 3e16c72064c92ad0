"""The engine and its dialogues as tables of (customer says -> bot answers), on the in-memory
unit of work: no database, no HTTP, milliseconds a row. The same stories run end to end on
SQLite and PostgreSQL in the other tests of this folder."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from bot.clarifying import CatalogClarifier
from bot.dialogue import Turn
from bot.engine import Engine
from bot.ports import InboundEvent
from classifier.catalog import load_catalog
from models import (
    ChannelKind,
    Clarifying,
    ConversationState,
    Fulfilment,
    Phase,
    Prediction,
    SenderKind,
)
from service.bus import EventBus
from service.desk import Desk
from service.unit_of_work import UnitOfWork

from ..memory_store import MemoryStore

CATALOG = load_catalog()
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _prediction(intent: str, confidence: float, *alternatives: tuple[str, float]) -> Prediction:
    spec = CATALOG.spec_for(intent)
    return Prediction(
        intent, spec.type, spec.priority, confidence, spec.team, spec.fulfiller, alternatives
    )


class KeywordClassifier:
    """A hand-written fake: sure of a few words, unsure of the rest."""

    def classify(self, text: str) -> Prediction:
        lowered = text.lower()
        if lowered.startswith(("hi", "hello")):
            return _prediction("greeting", 0.99)
        if "crash" in lowered:
            return _prediction("app_crash", 0.97)
        if "person" in lowered:
            return _prediction("human_request", 0.97)
        if "thank" in lowered or "great job" in lowered:
            return _prediction("thanks", 0.96)
        if "bye" in lowered:
            return _prediction("goodbye", 0.95)
        return _prediction("unknown", 0.41, ("login_failure", 0.31), ("password_reset", 0.2))

    def classify_many(self, texts: list[str]) -> list[Prediction]:
        return [self.classify(t) for t in texts]


@dataclass
class Chat:
    """One customer talking to an engine on the in-memory store."""

    store: MemoryStore
    engine: Engine
    desk: Desk
    address: str = "chat-1"
    said: int = 0
    user: str = "ada"

    async def says(self, text: str = "", payload: str | None = None) -> list[str]:
        """What the bot answers to one message (its texts, in order)."""
        self.said += 1
        before = len(self.store.rows.outbox)
        accepted = await self.engine.accept(
            InboundEvent(
                ChannelKind.TELEGRAM, f"u{self.said}", self.user, self.address, text, payload
            )
        )
        await self.engine.process(accepted.message_id)
        return [body.text for _, _, body in self.store.rows.outbox[before:]]

    async def agent_resolves(self, resolution: str) -> list[str]:
        ticket_id = self.store.conversation(self.address).ticket_id
        assert ticket_id is not None
        before = len(self.store.rows.outbox)

        async def resolve(uow: UnitOfWork) -> None:
            ticket = await uow.tickets.get(ticket_id)
            await self.desk.resolve(uow, ticket, resolution, "agent:1")

        await self.store.write(resolve)
        return [body.text for _, _, body in self.store.rows.outbox[before:]]

    async def agent_releases(self) -> None:
        ticket_id = self.store.conversation(self.address).ticket_id
        assert ticket_id is not None

        async def release(uow: object) -> None:
            ticket = await uow.tickets.get(ticket_id)  # type: ignore[attr-defined]
            await self.desk.release(uow, ticket, "agent:1", NOW)  # type: ignore[arg-type]

        await self.store.write(release)


@pytest.fixture
def chat() -> Chat:
    store = MemoryStore()
    desk = Desk(EventBus(), clock=lambda: NOW)
    classifier = KeywordClassifier()
    engine = Engine(
        store,
        desk,
        classifier,
        workers=1,
        clarifier=CatalogClarifier(CATALOG, classifier, desk.clock),
    )
    return Chat(store, engine, desk)


# (customer says, a piece of every answer, who owns the conversation afterwards)
WAITING = ConversationState.WAITING_FOR_AGENT
FIRST_CONTACT = [
    ("hello there", ["Hello! I'm the support assistant"], ConversationState.WITH_BOT),
    ("/status", ["You have no open tickets."], ConversationState.WITH_BOT),
    ("The app crashes on start", ["opened ticket FD-1001", "what name and email"], WAITING),
    ("It also crashes on resume", ["added that to ticket FD-1001"], WAITING),  # no answer
    ("anyone there?", [], WAITING),
    ("/status", ["FD-1001: new"], WAITING),
]  # fmt: skip


async def plays(chat: Chat, story: list[tuple[str, list[str], ConversationState]]) -> None:
    """Says (or presses, "csat:..." payloads) each line; checks every answer and the owner."""
    for says, answers, owner in story:
        is_button = says.startswith("csat:")
        replies = await (chat.says(payload=says) if is_button else chat.says(says))
        assert len(replies) == len(answers), (says, replies)
        for reply, expected in zip(replies, answers, strict=True):
            assert expected in reply, (says, reply)
        assert chat.store.in_state(chat.address) is owner, says


async def test_first_contact_greeting_status_ticket_and_the_queue(chat: Chat) -> None:
    await plays(chat, FIRST_CONTACT)


async def test_an_unsure_bot_asks_then_opens_the_ticket_the_customer_chose(chat: Chat) -> None:
    question = await chat.says("my workspace thing is acting weird")
    assert question == ["I want to get this right. Which of these is closest to what you need?"]
    assert isinstance(chat.store.conversation(chat.address).dialogue, Clarifying)
    opened = await chat.says(payload="intent:login_failure")
    assert "opened ticket FD-1001" in opened[0]
    ticket = chat.store.rows.tickets[1]
    assert (ticket.intent, ticket.description) == (
        "login_failure",
        "my workspace thing is acting weird",
    )
    assert [(label.text, label.intent) for label in chat.store.rows.labels] == [
        ("my workspace thing is acting weird", "login_failure")
    ]


async def test_something_else_asks_to_rephrase_once_then_a_person_takes_over(chat: Chat) -> None:
    await chat.says("my workspace thing is acting weird")
    rephrase = await chat.says(payload="intent:other")
    assert rephrase == [
        "Sorry, I'm not sure I understood. Could you describe it in other words, "
        "in a sentence or two?"
    ]
    handed = await chat.says("still weird, no idea")
    assert "A human agent will take over" in handed[0]
    assert chat.store.in_state(chat.address) is ConversationState.WAITING_FOR_AGENT
    assert chat.store.rows.tickets[1].description == ("my workspace thing is acting weird")


# (customer says or presses, a piece of the answer, the rating stored, the comment stored)
CSAT = [
    ("csat:1:1:2", "What could we have done better?", 2, None),
    ("It took three days", "passed your feedback on to the team", 2, "It took three days"),
    ("csat:1:1:5", "we already have your rating", 2, "It took three days"),
]  # fmt: skip


async def test_a_low_rating_asks_why_and_keeps_the_comment(chat: Chat) -> None:
    await chat.says("The app crashes on start")
    asked = await chat.agent_resolves("Fixed in 4.2.1")
    assert "How did we do?" in asked[0]
    for says, answer, score, comment in CSAT:
        is_button = says.startswith("csat:")
        replies = await (chat.says(payload=says) if is_button else chat.says(says))
        assert answer in replies[0], (says, replies)
        assert chat.store.rows.ratings[(1, 1)].score == score
        assert chat.store.rows.comments.get((1, 1)) == comment


async def test_a_typed_score_is_a_rating(chat: Chat) -> None:
    await chat.says("The app crashes on start")
    await chat.agent_resolves("Fixed in 4.2.1")
    assert await chat.says("4/5") == ["Thanks for rating us 4/5!"]
    assert chat.store.rows.ratings[(1, 1)].score == 4
    assert chat.store.conversation(chat.address).dialogue is None


async def test_not_fixed_after_a_resolution_reopens_the_ticket(chat: Chat) -> None:
    await chat.says("The app crashes on start")
    await chat.agent_resolves("Fixed in 4.2.1")
    reopened = await chat.says("it is still broken")
    assert "reopened ticket FD-1001" in reopened[0]
    assert chat.store.rows.tickets[1].status.is_open
    assert chat.store.in_state(chat.address) is WAITING
    assert (1, 1) not in chat.store.rows.ratings


async def test_an_old_button_and_a_request_for_a_person(chat: Chat) -> None:
    assert await chat.says(payload="intent:login_failure") == [
        "Sorry, that button is no longer active. Please type your message instead."
    ]
    answer = await chat.says("Please let me talk to a person")
    assert answer[0].startswith("Of course, I'll get you a human agent.")
    outbound = [m for m in chat.store.rows.messages.values() if m.sender is SenderKind.BOT]
    assert len(outbound) == 3  # the button refused, the hand-off, "what name and email..."
    assert "what name and email" in outbound[-1].text


class CrashReportDriver:
    """A hand-written ``TicketDriver``: takes app crashes, asks for the app's version, then
    hands the ticket to an agent. Shows that a new exchange plugs into the engine's router
    without touching it."""

    dialogues = (Fulfilment,)

    def handles(self, prediction: Prediction) -> bool:
        return prediction.intent == "app_crash"

    async def start(self, turn: Turn) -> None:
        turn.conversation.dialogue = Fulfilment("crash_report", Phase.ASK, "version")
        await turn.desk.uow_save_conversation(turn.uow, turn.conversation)
        await turn.say("Which version of the app do you run?")

    async def on_text(self, turn: Turn) -> bool:
        await turn.say(f"Thanks, noted: {turn.message.text}.")
        await turn.hand_off("crash report complete")
        return True

    async def on_button(self, turn: Turn, payload: str) -> bool:
        return False


# (customer says or presses, the answers, who owns the conversation afterwards)
BOT = ConversationState.WITH_BOT
CRASH_REPORT = [
    ("The app crashes on start", ["opened ticket FD-1001", "Which version"], BOT),
    ("csat:9:9:9", ["that button is no longer active"], BOT),
    ("4.2.1", ["Thanks, noted: 4.2.1.", "what name and email"], WAITING),
]  # fmt: skip


async def test_a_dialogue_driver_plugs_into_the_router(chat: Chat) -> None:
    classifier = KeywordClassifier()
    chat.engine = Engine(
        chat.store,
        chat.desk,
        classifier,
        drivers=(CrashReportDriver(),),
        workers=1,
    )
    await plays(chat, CRASH_REPORT)


# Small talk: (customer says, a piece of every answer, who owns the conversation afterwards)
AFTER_A_RESOLUTION = [
    ("thanks a lot!", ["You're welcome — glad it's sorted."], BOT),
    ("great job, really", ["You're welcome — glad it's sorted."], BOT),
    ("bye", ["Goodbye — glad it's sorted."], BOT),
    ("hello again", ["Hello! I'm the support assistant"], BOT),
]  # fmt: skip
WITHOUT_A_TICKET = [
    ("thank you", ["You're welcome! Is there anything else I can help you with?"], BOT),
    ("ok bye", ["Goodbye! If you need anything, just write here."], BOT),
]  # fmt: skip
WHILE_THE_TICKET_IS_OPEN = [
    ("thanks!", ["You're welcome! Ticket FD-1001 is still open; we'll follow up here."], BOT),
    ("bye for now", ["Goodbye! Ticket FD-1001 stays open, and we'll reply here."], BOT),
    ("It also crashes on resume", ["added this to your ticket FD-1001"], WAITING),
    ("thanks", ["added that to ticket FD-1001"], WAITING),  # in the queue: filed, told once
]  # fmt: skip


async def test_thanks_and_goodbye_after_a_resolution_close_the_loop_and_open_nothing(
    chat: Chat,
) -> None:
    await chat.says("The app crashes on start")
    await chat.agent_resolves("Fixed in 4.2.1")
    await plays(chat, AFTER_A_RESOLUTION)
    assert list(chat.store.rows.tickets) == [1]
    assert chat.store.rows.tickets[1].status.value == "resolved"
    assert chat.store.conversation(chat.address).dialogue is None
    assert await chat.says(payload="csat:1:1:5") == ["Thanks for rating us 5/5!"]  # still counts
    reopened = await chat.says("thanks, but it is still broken")
    assert "reopened ticket FD-1001" in reopened[0]


async def test_a_rating_typed_after_thanks_still_counts(chat: Chat) -> None:
    """The customer thanks the agent first and rates next: the CSAT prompt stays open across
    the thanks, so "5" is a rating and not a new message."""
    await chat.says("The app crashes on start")
    await chat.agent_resolves("Fixed in 4.2.1")
    (welcome,) = await chat.says("thanks a lot!")
    assert welcome.startswith("You're welcome — glad it's sorted.")
    assert await chat.says("5") == ["Thanks for rating us 5/5!"]
    assert chat.store.conversation(chat.address).dialogue is None
    assert list(chat.store.rows.tickets) == [1]


async def test_thanks_and_goodbye_without_a_ticket_offer_more_help(chat: Chat) -> None:
    await plays(chat, WITHOUT_A_TICKET)
    assert chat.store.rows.tickets == {}


async def test_thanks_while_the_ticket_is_open_is_acknowledged_without_a_new_ticket(
    chat: Chat,
) -> None:
    await chat.says("The app crashes on start")
    await chat.agent_releases()  # the agents gave the conversation back; the ticket is open
    await plays(chat, WHILE_THE_TICKET_IS_OPEN)
    assert list(chat.store.rows.tickets) == [1]
    filed = [m.text for m in chat.store.rows.messages.values() if m.ticket_id == 1]
    assert "thanks!" in filed and "bye for now" in filed  # the agent reads them on the ticket


async def test_a_stale_or_forged_rating_button_counts_for_nothing(chat: Chat) -> None:
    await chat.says("The app crashes on start")
    await chat.agent_resolves("Fixed in 4.2.1")  # resolution round 1
    assert "reopened ticket FD-1001" in (await chat.says("it is still broken"))[0]
    # round 1's button, pressed while the ticket is open again: not a rating of anything
    await chat.says(payload="csat:1:1:5")
    assert (1, 1) not in chat.store.rows.ratings

    await chat.agent_resolves("Fixed in 4.2.2, for real")  # round 2
    await chat.says(payload="csat:1:1:5")  # the first resolution's button, pressed late
    assert chat.store.rows.ratings == {}
    assert await chat.says(payload="csat:1:2:4") == ["Thanks for rating us 4/5!"]
    assert [(key, r.score) for key, r in chat.store.rows.ratings.items()] == [((1, 2), 4)]

    # another customer forging a button for a ticket that is not theirs
    mallory = Chat(chat.store, chat.engine, chat.desk, "chat-mallory", 100, "mallory")
    assert await mallory.says(payload="csat:1:2:1") == ["Sorry, I couldn't find that ticket."]
    assert await mallory.says(payload="csat:1:3:1") == ["Sorry, I couldn't find that ticket."]
    assert [(key, r.score) for key, r in chat.store.rows.ratings.items()] == [((1, 2), 4)]
