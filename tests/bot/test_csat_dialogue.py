"""CSAT, the customer's side (``bot/dialogues/csat.py``), as the ticket's history and the
console see it: who rated, what and when, the words of every answer, the reopen on "not
fixed" and a rating for another ticket while a comment is awaited. In-memory store and the
engine's table fixtures (``test_engine_tables.py``): milliseconds a test."""

from __future__ import annotations

import pytest

from bot.clarifying import CatalogClarifier
from bot.engine import Engine
from models import CsatComment, CsatResponse, TicketAction, TicketEvent, TicketStatus
from service.bus import TICKETS_TOPIC, EventBus
from service.desk import Desk
from service.unit_of_work import UnitOfWork

from ..memory_store import MemoryStore
from .test_engine_tables import CATALOG, NOW, Chat, KeywordClassifier

THANKS_5 = "Thanks for rating us 5/5!"
ALREADY = "Thanks, we already have your rating for this ticket."
NOT_FOUND = "Sorry, I couldn't find that ticket."
ASK_WHY = (
    "Thanks for rating us 2/5. What could we have done better? "
    "(Just write it here, or describe a new problem.)"
)
REOPENED = "I'm sorry to hear that. I've reopened ticket FD-1001 and an agent will follow up here."


@pytest.fixture
def chat() -> Chat:
    store = MemoryStore()
    desk = Desk(EventBus(), clock=lambda: NOW)
    classifier = KeywordClassifier()
    clarifier = CatalogClarifier(CATALOG, classifier, desk.clock)
    return Chat(store, Engine(store, desk, classifier, workers=1, clarifier=clarifier), desk)


def history(chat: Chat, ticket_id: int = 1, *kinds: str) -> list[TicketEvent]:
    return [
        e
        for e in chat.store.rows.events
        if e.ticket_id == ticket_id and (not kinds or e.kind in kinds)
    ]


async def resolved_ticket(chat: Chat, problem: str = "The app crashes on start") -> int:
    """A ticket of ``chat``'s customer, resolved by an agent; its id."""
    await chat.says(problem)
    await chat.agent_resolves("Fixed in 4.2.1")
    ticket_id = chat.store.conversation(chat.address).ticket_id
    assert ticket_id is not None
    return ticket_id


@pytest.mark.parametrize("how", ["button", "typed"])
async def test_a_rating_is_kept_with_its_time_in_the_tickets_history_and_the_console_hears(
    chat: Chat, how: str
) -> None:
    await resolved_ticket(chat)
    published: list[object] = []
    chat.desk.bus.on(TICKETS_TOPIC, published.append)
    said = await (chat.says(payload="csat:1:1:5") if how == "button" else chat.says("5"))
    assert said == [THANKS_5]
    assert chat.store.rows.ratings == {(1, 1): CsatResponse(1, 5, created_at=NOW)}
    (rated,) = history(chat, 1, "csat")
    assert rated == TicketEvent(1, "customer", "csat", None, "5", None, NOW)
    assert published == [1, 1]  # the rating, then the answer: the console redraws both
    assert chat.store.conversation(chat.address).dialogue is None


async def test_the_lowest_rating_that_asks_why_and_the_words_of_each_answer(chat: Chat) -> None:
    await resolved_ticket(chat)
    assert await chat.says(payload="csat:1:1:2") == [ASK_WHY]
    assert chat.store.conversation(chat.address).dialogue == CsatComment(1, 1)
    assert await chat.says(payload="csat:1:1:5") == [ALREADY]  # the comment is still awaited
    assert chat.store.conversation(chat.address).dialogue == CsatComment(1, 1)
    assert await chat.says("It took three days") == [
        "Thank you, I've passed your feedback on to the team."
    ]
    assert chat.store.rows.comments == {(1, 1): "It took three days"}
    assert chat.store.conversation(chat.address).dialogue is None
    # 3 asks why, 4 does not: the line is at COMMENT_BELOW = 4
    other = Chat(chat.store, chat.engine, chat.desk, "chat-2", 100, "grace")
    ticket_3 = await resolved_ticket(other, "The app crashes on resume")
    replies = await other.says(payload=f"csat:{ticket_3}:1:3")
    assert replies[0].startswith("Thanks for rating us 3/5. What could we have done better?")
    third = Chat(chat.store, chat.engine, chat.desk, "chat-3", 200, "alan")
    ticket_4 = await resolved_ticket(third, "The app crashes at night")
    assert await third.says(payload=f"csat:{ticket_4}:1:4") == ["Thanks for rating us 4/5!"]


async def test_a_rating_for_a_ticket_that_does_not_exist_or_is_not_resolved(chat: Chat) -> None:
    assert await chat.says(payload="csat:99:1:5") == [NOT_FOUND]
    await chat.says("The app crashes on start")  # FD-1001, open: nothing to rate yet
    assert await chat.says(payload="csat:1:0:5") == [ALREADY]
    assert chat.store.rows.ratings == {}
    assert history(chat, 1, "csat") == []


async def test_a_closed_tickets_rating_still_counts(chat: Chat) -> None:
    await resolved_ticket(chat)

    async def close(uow: UnitOfWork) -> None:
        await chat.desk.transition(uow, await uow.tickets.get(1), TicketAction.CLOSE, "system")

    await chat.store.write(close)
    assert chat.store.rows.tickets[1].status is TicketStatus.CLOSED
    assert await chat.says(payload="csat:1:1:5") == [THANKS_5]
    assert chat.store.rows.ratings[(1, 1)].score == 5


async def test_rating_another_ticket_keeps_the_comment_awaited_on_this_one(chat: Chat) -> None:
    """A button of an older resolved ticket, pressed while the customer is asked what could
    have been better on another: the rating counts and the question stays open."""
    await resolved_ticket(chat)  # FD-1001, not rated yet
    await chat.says("It also crashes on resume now")  # a new problem: FD-1002
    await chat.agent_resolves("Fixed in 4.2.2")
    assert chat.store.conversation(chat.address).ticket_id == 2
    assert (await chat.says(payload="csat:2:1:2"))[0].startswith("Thanks for rating us 2/5.")
    assert await chat.says(payload="csat:1:1:5") == [THANKS_5]
    assert chat.store.conversation(chat.address).dialogue == CsatComment(2, 1)
    await chat.says("Too slow")
    assert chat.store.rows.comments == {(2, 1): "Too slow"}
    assert sorted((key, r.score) for key, r in chat.store.rows.ratings.items()) == [
        ((1, 1), 5),
        ((2, 1), 2),
    ]


@pytest.mark.parametrize("after", ["the prompt", "a low rating", "a rating"])
async def test_not_fixed_reopens_the_ticket_by_the_customer_with_the_message_on_it(
    chat: Chat, after: str
) -> None:
    await resolved_ticket(chat)
    if after == "a low rating":
        await chat.says(payload="csat:1:1:1")
    elif after == "a rating":
        await chat.says(payload="csat:1:1:5")
    assert (await chat.says("it is still broken"))[0] == REOPENED
    assert chat.store.rows.tickets[1].status is TicketStatus.NEW  # to the queue: no agent had it
    (reopen,) = history(chat, 1, "status:reopen")
    assert (reopen.actor, reopen.detail) == ("customer", "customer says: not fixed")
    (_, handoff) = history(chat, 1, "handoff")  # the first: the ticket's opening
    assert (handoff.actor, handoff.detail) == ("bot", "reopened by the customer: not fixed")
    (message,) = [m for m in chat.store.rows.messages.values() if m.text == "it is still broken"]
    assert message.ticket_id == 1  # the agent reads why on the ticket
    assert chat.store.conversation(chat.address).ticket_id == 1
    assert chat.store.rows.comments == {}  # "not fixed" is no comment on the rating


async def test_anything_else_after_the_prompt_ends_it_and_a_stale_button_does_not(
    chat: Chat,
) -> None:
    await resolved_ticket(chat)
    assert await chat.says(payload="intent:login_failure") == [
        "Sorry, that button is no longer active. Please type your message instead."
    ]
    assert await chat.says("5") == [THANKS_5]  # the prompt survived the stale button
    other = Chat(chat.store, chat.engine, chat.desk, "chat-2", 100, "grace")
    await resolved_ticket(other, "The app crashes on resume")
    (hello,) = await other.says("hello again")
    assert hello.startswith("Hello! I'm the support assistant")
    assert chat.store.conversation(other.address).dialogue is None  # the prompt is over
    await other.says("4")
    assert list(chat.store.rows.ratings) == [(1, 1)]  # "4" rated nothing now
