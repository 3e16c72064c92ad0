"""What the bot does with a message no dialogue owns: a new issue.

A greeting gets a greeting; an unsure prediction gets a clarifying question
(``bot/dialogues/clarify.py``); otherwise a ticket is opened and either a dialogue that can
fulfil it starts (a :class:`~bot.dialogue.TicketDriver`) or it goes to the agents' queue.
"""

from __future__ import annotations

from collections.abc import Sequence

from classifier.base import Classifier
from models import Prediction, format_ticket_id
from models.sla import first_reply_promise

from .dialogue import GREETING_INTENT, HUMAN_INTENT, Clarifier, TicketDriver, Turn
from .dialogues.clarify import ClarifyingDialogue

GREETING = (
    "Hello! I'm the support assistant. Tell me what's wrong or what you need, "
    "and I'll open a ticket and take care of it."
)


class NewIssue:
    """Greets, asks a clarifying question, or opens the ticket and decides who handles it."""

    def __init__(
        self,
        classifier: Classifier,
        drivers: Sequence[TicketDriver] = (),
        clarifier: Clarifier | None = None,
    ) -> None:
        self._classifier = classifier
        self._drivers = tuple(drivers)
        self.clarifying = (
            ClarifyingDialogue(clarifier, classifier, self.open_ticket) if clarifier else None
        )

    async def __call__(self, turn: Turn) -> None:
        prediction = turn.prediction or self._classifier.classify(turn.message.text)
        turn.prediction = prediction
        turn.conversation.dialogue = None
        if prediction.intent == GREETING_INTENT:
            await turn.desk.uow_save_conversation(turn.uow, turn.conversation)
            await turn.say(GREETING)
            return
        question = self.clarifying.question(prediction) if self.clarifying else None
        if self.clarifying is not None and question is not None:
            await self.clarifying.ask(turn, question, prediction)
            return
        await self.open_ticket(turn, prediction)

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
            save_conversation=driver is not None,  # else the hand-off below saves it once
        )
        turn.ticket = ticket
        for message_id in (*earlier, turn.message.id):
            await turn.uow.messages.attach_to_ticket(message_id, ticket.id)
        public = format_ticket_id(ticket.id)
        kind = ticket.type.value.replace("_", " ")
        if driver is not None:
            await turn.say(
                f"Thanks! I've opened ticket {public} for this ({kind}). "
                "I can take care of it myself."
            )
            await desk.record_first_response(turn.uow, ticket)
            await driver.start(turn)
            return
        due = ticket.first_response_due or desk.clock()
        lead = (
            "Of course, I'll get you a human agent."
            if prediction.intent == HUMAN_INTENT
            else "Thanks for the details."
        )
        await turn.say(
            f"{lead} I've opened ticket {public} ({kind}, {ticket.priority.value} priority). "
            f"A human agent will take over this conversation; expect a first reply "
            f"{first_reply_promise(desk.sla, ticket.priority, due, desk.clock())}. "
            "You can add anything else here in the meantime."
        )
        await turn.hand_off(f"{prediction.intent} needs an agent")
