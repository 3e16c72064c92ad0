"""What the bot does with a message no dialogue owns: a new issue.

A greeting gets a greeting; thanks and goodbye close the loop (``bot/dialogues/small_talk.py``);
an unsure prediction gets a clarifying question
(``bot/dialogues/clarify.py``); otherwise a ticket is opened and either a dialogue that can
fulfil it starts (a :class:`~bot.dialogue.TicketDriver`) or it goes to the agents' queue.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from classifier.base import Classifier
from models import Prediction
from models.sla import first_reply_promise

from .dialogue import GREETING_INTENT, HUMAN_INTENT, Clarifier, TicketDriver, Turn
from .dialogues import opening
from .dialogues.clarify import ClarifyingDialogue
from .dialogues.self_service import SelfServiceDialogue
from .dialogues.small_talk import SMALL_TALK, close_the_loop

GREETING = opening.GREETING


class NewIssue:
    """Greets, asks a clarifying question, or opens the ticket and decides who handles it."""

    def __init__(
        self,
        classifier: Classifier,
        drivers: Sequence[TicketDriver] = (),
        clarifier: Clarifier | None = None,
        answers: SelfServiceDialogue | None = None,
        tickets_per_ip_per_hour: int = 0,
    ) -> None:
        self.tickets_per_ip_per_hour = tickets_per_ip_per_hour  # 0 = no limit
        self._classifier = classifier
        self.answers = answers
        self._drivers = tuple(drivers)
        self.clarifying = (
            ClarifyingDialogue(clarifier, classifier, self.open_ticket) if clarifier else None
        )

    async def __call__(self, turn: Turn) -> None:
        prediction = turn.prediction or self._classifier.classify(turn.message.text)
        turn.prediction = prediction
        if await self.small_talk(turn):
            return
        turn.conversation.dialogue = None
        if prediction.intent == GREETING_INTENT:
            await turn.desk.uow_save_conversation(turn.uow, turn.conversation)
            await turn.say(GREETING)
            return
        if self.answers is not None and not turn.article and await self.answers.desk_info(turn):
            return  # support hours, contact, known problems: answered from settings (#13)
        question = (
            self.clarifying.question(prediction) if self.clarifying and not turn.article else None
        )
        if self.clarifying is not None and question is not None:
            await self.clarifying.ask(turn, question, prediction)
            return
        await self.open_ticket(turn, prediction)

    async def small_talk(self, turn: Turn) -> bool:
        """Thanks or goodbye, and the classifier is sure of it: answered, nothing opened.
        ``False`` for anything else (unsure: the clarifying question decides, so a problem
        wrapped in thanks still gets its ticket)."""
        prediction = turn.prediction
        if prediction is None or prediction.intent not in SMALL_TALK:
            return False
        if self.clarifying is not None and self.clarifying.question(prediction) is not None:
            return False
        await close_the_loop(turn)
        return True

    async def _too_many_tickets(self, turn: Turn) -> bool:
        """One web-chat client address opens at most ``tickets_per_ip_per_hour`` tickets (counted
        in the database, across processes): without it, one new session per message opened a
        ticket per message. Platforms' own identities (Telegram, Discord, mail) are not counted."""
        client = turn.conversation.client
        if not client or self.tickets_per_ip_per_hour <= 0:
            return False
        count = await turn.uow.limits.hit(
            f"tickets:ip:{client}", turn.desk.clock(), timedelta(hours=1)
        )
        return count.over(self.tickets_per_ip_per_hour)

    async def open_ticket(
        self,
        turn: Turn,
        prediction: Prediction,
        description: str | None = None,
        earlier: tuple[int, ...] = (),
    ) -> None:
        """Open a ticket for ``prediction``; then auto-fulfil it or hand it to the agents.

        ``description`` and ``earlier`` (message ids filed on the ticket too) are set when a
        clarifying question came in between the customer's problem and this turn.
        """
        desk = turn.desk
        turn.prediction = prediction
        if await self._too_many_tickets(turn):
            await turn.desk.uow_save_conversation(turn.uow, turn.conversation)
            await turn.say(opening.TOO_MANY_TICKETS)
            return
        offering = turn.article is not None and self.answers is not None
        driver = next(
            (
                d
                for d in self._drivers
                if prediction.intent != HUMAN_INTENT and d.handles(prediction)
            ),
            None,
        )
        ticket = await desk.open_ticket(
            turn.uow,
            turn.conversation,
            turn.customer,
            description or turn.message.text,
            prediction,
            save_conversation=driver is not None or offering,  # else the hand-off saves it
            bot_answers=not offering,  # both other paths below answer at once
        )
        turn.ticket = ticket
        for message_id in (*earlier, turn.message.id):
            await turn.uow.messages.attach_to_ticket(message_id, ticket.id)
        if offering:
            assert turn.article is not None and self.answers is not None
            await self.answers.offer(turn, turn.article)  # a knowledge-base answer (#13)
            return
        if driver is not None:
            await turn.say(opening.fulfilling(ticket))
            await desk.record_bot_response(turn.uow, ticket, fulfilling=True)
            await driver.start(turn)
            return
        due = ticket.first_response_due or desk.clock()
        promise = first_reply_promise(desk.sla, ticket.priority, due, desk.clock())
        await turn.say(opening.handed_to_agents(ticket, promise, prediction.intent == HUMAN_INTENT))
        await desk.record_bot_response(turn.uow, ticket)
        await turn.hand_off(f"{prediction.intent} needs an agent")
