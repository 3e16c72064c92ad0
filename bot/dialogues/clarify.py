"""Clarifying questions: when the model is unsure, the bot offers the likeliest intents as
buttons (or asks to rephrase once) before it opens a ticket.

The questions come from the engine's :class:`~bot.dialogue.Clarifier` port; opening the ticket
is the engine's (``open_ticket``), so a clarified problem is handled like any other.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace

from classifier.base import Classifier
from classifier.clarify import Clarification
from models import Button, Clarifying, Prediction
from models.texts import N_, _

from ..dialogue import GREETING_INTENT, HUMAN_INTENT, Clarifier, Turn

INTENT_PREFIX = "intent:"
SOMETHING_ELSE = "intent:other"
TALK_TO_A_PERSON = "intent:human"

OpenTicket = Callable[[Turn, Prediction, "str | None", "tuple[int, ...]"], Awaitable[None]]
"""The engine's: open a ticket for a prediction (description, earlier message ids filed too)."""


class ClarifyingDialogue:
    """Asks, reads the answer (a button or the problem in other words), then opens the ticket.
    The engine's driver for ``Clarifying``."""

    dialogues = (Clarifying,)

    def __init__(
        self, clarifier: Clarifier, classifier: Classifier, open_ticket: OpenTicket
    ) -> None:
        self.clarifier = clarifier
        self._classifier = classifier
        self._open_ticket = open_ticket

    def question(self, prediction: Prediction) -> Clarification | None:
        """The question to ask before acting on ``prediction`` (``None``: act on it)."""
        if prediction.intent == HUMAN_INTENT:
            return None
        question = self.clarifier.question(prediction)
        return question if question is not None and question.ask else None

    async def ask(
        self,
        turn: Turn,
        question: Clarification,
        prediction: Prediction,
        dialogue: Clarifying | None = None,
    ) -> None:
        """Offer the likeliest intents as buttons, or (fewer than two, or asked once
        already) ask the customer to say it in other words."""
        state = dialogue or Clarifying(turn.message.text, (turn.message.id,), prediction)
        person = Button(N_("Talk to a person"), TALK_TO_A_PERSON)
        if len(question.options) >= 2 and dialogue is None:
            options = {o.intent: round(o.probability, 4) for o in question.options}
            state = replace(state, options=options)
            buttons = tuple(Button(o.label, INTENT_PREFIX + o.intent) for o in question.options)
            text = _("I want to get this right. Which of these is closest to what you need?")
            buttons = (*buttons, Button(N_("Something else"), SOMETHING_ELSE), person)
        else:
            state = replace(state, rephrased=True, options={})
            text = _(
                "Sorry, I'm not sure I understood. Could you describe it in other words, "
                "in a sentence or two?"
            )
            buttons = (person,)
        turn.conversation.dialogue = state
        await turn.desk.uow_save_conversation(turn.uow, turn.conversation)
        await turn.say(text, buttons=buttons)

    async def on_button(self, turn: Turn, payload: str) -> bool:
        dialogue = turn.conversation.dialogue
        if not isinstance(dialogue, Clarifying) or not payload.startswith(INTENT_PREFIX):
            return False
        await self.on_answer(turn, dialogue, payload)
        return True

    async def on_answer(self, turn: Turn, dialogue: Clarifying, answer: str) -> None:
        """A button of a clarifying question: open the ticket with the chosen intent (and keep
        the choice as a labelled example), ask to rephrase once, or hand off."""
        original = dialogue.prediction
        options = dialogue.options
        turn.conversation.dialogue = None
        if answer == TALK_TO_A_PERSON:
            chosen = self.clarifier.prediction_for(HUMAN_INTENT, original)
            await self._open_from_clarify(turn, dialogue, chosen)
        elif answer.removeprefix(INTENT_PREFIX) in options:
            intent = answer.removeprefix(INTENT_PREFIX)
            chosen = self.clarifier.prediction_for(intent, original)
            chosen = replace(chosen, confidence=options[intent])
            await self._open_from_clarify(turn, dialogue, chosen)
            assert turn.ticket is not None
            await self.clarifier.record_answer(turn.uow, dialogue.text, intent, turn.ticket.id)
        else:  # "Something else", or a button of an older question
            await self._rephrase_or_hand_off(turn, dialogue, original)

    async def on_text(self, turn: Turn) -> bool:
        """Free text after a clarifying question: the problem said in other words."""
        dialogue = turn.conversation.dialogue
        if not isinstance(dialogue, Clarifying):
            return False
        await self._reworded(turn, dialogue)
        return True

    async def _reworded(self, turn: Turn, dialogue: Clarifying) -> None:
        prediction = turn.prediction or self._classifier.classify(turn.message.text)
        question = self.clarifier.question(prediction)
        if prediction.intent == GREETING_INTENT or (question is not None and question.ask):
            dialogue = replace(dialogue, message_ids=(*dialogue.message_ids, turn.message.id))
            await self._rephrase_or_hand_off(turn, dialogue, dialogue.prediction)
            return
        turn.conversation.dialogue = None
        description = f"{dialogue.text}\n{turn.message.text}"
        await self._open_ticket(turn, prediction, description, dialogue.message_ids)

    async def _rephrase_or_hand_off(
        self, turn: Turn, dialogue: Clarifying, original: Prediction
    ) -> None:
        if not dialogue.rephrased:
            await self.ask(turn, Clarification(True, ()), original, dialogue)
            return
        turn.conversation.dialogue = None
        await self._open_from_clarify(turn, dialogue, original)

    async def _open_from_clarify(
        self, turn: Turn, dialogue: Clarifying, prediction: Prediction
    ) -> None:
        earlier = tuple(i for i in dialogue.message_ids if i != turn.message.id)
        await self._open_ticket(turn, prediction, dialogue.text, earlier)
