"""The engine's dialogue port: what a multi-turn exchange (a clarifying question, CSAT, a
fulfilment, the hand-off) is handed each turn, and what it must answer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from models import Button, Conversation, Customer, Dialogue, Message, Prediction, Ticket
from models.articles import ArticleMatch
from models.texts import Text

GREETING_INTENT = "greeting"
HUMAN_INTENT = "human_request"
THANKS_INTENT = "thanks"
GOODBYE_INTENT = "goodbye"
"""The intents the engine answers itself: a greeting, asking for a person, thanks (or a
compliment) and goodbye."""

if TYPE_CHECKING:
    from classifier.clarify import Clarification
    from service.desk import Desk
    from service.unit_of_work import UnitOfWork


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
    article: ArticleMatch | None = None
    """A knowledge-base article that answers this message (found before the transaction)."""

    async def say(self, text: str | Text, buttons: tuple[Button, ...] = ()) -> Message:
        """Say ``text`` (a :func:`models.texts._` text) in the customer's language."""
        return await self.desk.say(
            self.uow, self.conversation, text, buttons=buttons, language=self.customer.language
        )

    async def hand_off(self, reason: str) -> None:
        """Give the conversation to the agents' queue, keeping what was gathered (``reason``)."""
        if self.ticket is None:
            raise RuntimeError("hand_off needs a ticket")
        await self.desk.hand_off(
            self.uow, self.conversation, self.ticket, reason, customer=self.customer
        )


class DialogueDriver(Protocol):
    """One multi-turn exchange: the engine hands it every customer message while the
    conversation is with the bot and ``conversation.dialogue`` is one of ``dialogues``.

    A driver keeps its state only in that value: it replaces ``turn.conversation.dialogue``
    (and saves the conversation) as the exchange moves on, or sets it to ``None`` when done.
    """

    @property
    def dialogues(self) -> tuple[type[Dialogue], ...]:
        """The dialogue values (``models/dialogues.py``) this driver continues."""

    async def on_text(self, turn: Turn) -> bool:
        """The customer's next message. ``False``: it is not an answer to this exchange (the
        driver has closed it) and the engine treats the message as a new issue."""

    async def on_button(self, turn: Turn, payload: str) -> bool:
        """A button pressed. ``False``: not one of this exchange's (no longer active)."""


class TicketDriver(DialogueDriver, Protocol):
    """A dialogue a new ticket may start instead of going to the agents (a fulfilment)."""

    def handles(self, prediction: Prediction) -> bool:
        """Whether a new ticket with this prediction should start this dialogue."""

    async def start(self, turn: Turn) -> None:
        """Begin: set ``turn.conversation.dialogue`` and ask the first question."""


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
