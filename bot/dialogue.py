"""What a multi-step bot dialogue (a fulfilment, a clarifying question) is handed each turn."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from models import Button, Conversation, Customer, Message, Prediction, Ticket

GREETING_INTENT = "greeting"
HUMAN_INTENT = "human_request"
"""The intents the engine answers itself: a greeting, and asking for a person."""

if TYPE_CHECKING:
    from classifier.clarify import Clarification
    from service.desk import Desk
    from store.unit_of_work import UnitOfWork


@dataclass
class Turn:
    """One inbound customer message, inside the unit of work that handles it."""

    uow: UnitOfWork
    desk: Desk
    conversation: Conversation
    customer: Customer
    message: Message
    ticket: Ticket | None = None
    prediction: Prediction | None = None

    async def say(self, text: str, buttons: tuple[Button, ...] = ()) -> Message:
        return await self.desk.say(self.uow, self.conversation, text, buttons=buttons)

    async def hand_off(self, reason: str) -> None:
        """Give the conversation to the agents' queue, keeping what was gathered (``reason``)."""
        if self.ticket is None:
            raise RuntimeError("hand_off needs a ticket")
        await self.desk.hand_off(
            self.uow, self.conversation, self.ticket, reason, customer=self.customer
        )


class DialogueDriver(Protocol):
    """A dialogue the engine delegates turns to while ``conversation.dialogue["kind"]`` names it."""

    kind: str

    def handles(self, prediction: Prediction) -> bool:
        """Whether a new ticket with this prediction should start this dialogue."""

    async def start(self, turn: Turn) -> None:
        """Begin: set ``turn.conversation.dialogue`` and ask the first question."""

    async def on_message(self, turn: Turn) -> None:
        """Continue with the customer's next message (text or button payload)."""


class Clarifier(Protocol):
    """Decides when the bot asks a clarifying question instead of acting on a prediction.

    The engine owns this port; ``bot.clarifying.CatalogClarifier`` (wired by ``bot.app``) answers
    from the intent catalog and the active model's ``ask`` threshold and stores the customer's
    choice as training data, so the engine needs neither scikit-learn nor the store's types.
    """

    def question(self, prediction: Prediction) -> Clarification | None:
        """``None`` (or ``ask=False``) to act on ``prediction``; else the options to offer."""

    def prediction_for(self, intent: str, original: Prediction) -> Prediction:
        """The prediction to open a ticket with once the customer chose ``intent``: type,
        team and fulfiller from the catalog, priority from its default and the original's
        urgency cue."""

    async def record_answer(
        self, uow: UnitOfWork, text: str, intent: str, ticket_id: int | None
    ) -> None:
        """Keep ``(text, intent)`` as a labelled example (source ``clarification``)."""
