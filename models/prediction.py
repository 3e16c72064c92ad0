"""The classifier's answer, as the rest of the domain reads it."""

from __future__ import annotations

from dataclasses import dataclass, field

from .enums import Priority, TicketType


@dataclass(frozen=True, slots=True)
class Prediction:
    """What the classifier thinks a text is about.

    ``alternatives`` lists the next likeliest intents with their probabilities, best first, so
    the bot can ask a clarifying question when ``confidence`` is low. ``language`` is the
    text's language (ISO 639-1), ``None`` when too short or unsure to tell. ``urgency`` names
    the cues in the wording that ask for more than the intent's default priority ("everyone
    affected", "deadline", "angry emoji", ...: ``classifier/urgency.py``), for the people who
    read the ticket.
    """

    intent: str
    type: TicketType
    priority: Priority
    confidence: float
    team: str | None = None
    fulfiller: str | None = None
    alternatives: tuple[tuple[str, float], ...] = field(default=())
    language: str | None = None
    urgency: tuple[str, ...] = field(default=())
