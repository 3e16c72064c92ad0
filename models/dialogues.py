"""The multi-turn exchange a conversation is in, as frozen values.

``Conversation.dialogue`` is one of these (or ``None``: no exchange open, the next message is a
new issue). Each value says everything its driver needs to continue on the customer's next
message; a turn that moves the exchange on replaces the value (``dataclasses.replace``), it
never edits it. The store maps them to and from the conversation's JSON column
(``store/dialogues.py``); nothing else sees their JSON.

Nothing secret is kept here: a one-time code is only its salted hash.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from .prediction import Prediction


@dataclass(frozen=True, slots=True)
class CsatPrompt:
    """The desk resolved ``ticket_id`` (its ``round``-th resolution) and asked for a rating."""

    ticket_id: int
    round: int


@dataclass(frozen=True, slots=True)
class CsatComment:
    """The customer rated that resolution low; the bot asked what could have been better."""

    ticket_id: int
    round: int


@dataclass(frozen=True, slots=True)
class Clarifying:
    """The bot was unsure and asked which problem the customer means.

    ``text`` is the customer's first description and ``message_ids`` every message of theirs
    since (all filed on the ticket once it opens). ``options`` are the intents offered as
    buttons with their probabilities (empty once the bot asked to rephrase instead).
    """

    text: str
    message_ids: tuple[int, ...]
    prediction: Prediction
    options: Mapping[str, float] = field(default_factory=dict)
    rephrased: bool = False


@dataclass(frozen=True, slots=True)
class QueueAcknowledged:
    """Waiting for an agent, and the bot has told the customer so once (it says it only once)."""


@dataclass(frozen=True, slots=True)
class IdentityQuestion:
    """Handed off, the bot asked the customer for what it lacks (``name``, ``email``) while
    they wait; their next message may answer, decline ("skip") or simply go on."""

    ticket_id: int
    name: bool
    email: bool


class Phase(StrEnum):
    """Where a fulfilment stands."""

    ASK = "ask"  # waiting for the customer to give ``Fulfilment.fact``
    CODE = "code"  # waiting for a mailed one-time code
    WORKING = "working"  # a background job (directory, action) runs; the customer waits
    WAITING = "waiting"  # waiting for something outside the chat (a reset link being used)


class CodePurpose(StrEnum):
    IDENTITY = "identity"  # proves the customer owns the account's address
    CONFIRM = "confirm"  # confirms a new address the customer typed


@dataclass(frozen=True, slots=True)
class PendingCode:
    """A one-time code mailed and not yet typed: only its salted hash and where it went."""

    purpose: CodePurpose
    fact: str
    subject: str
    salt: str
    hash: str
    expires: datetime
    attempts: int = 0


@dataclass(frozen=True, slots=True)
class Fulfilment:
    """A fulfiller (``fulfiller`` names it) doing the customer's request itself.

    ``fact`` is the fact asked for in ``Phase.ASK`` and ``facts`` those given so far; ``tries``
    counts unusable answers to the current question; ``job`` numbers the background jobs so a
    late one whose dialogue moved on is dropped; ``deadline`` is when the idle check hands the
    dialogue to an agent.
    """

    fulfiller: str
    phase: Phase
    fact: str
    facts: Mapping[str, str] = field(default_factory=dict)
    tries: int = 0
    verified: bool = False
    job: int = 0
    step: str | None = None
    resends: int = 0
    code: PendingCode | None = None
    notes: tuple[str, ...] = ()
    deadline: datetime | None = None


@dataclass(frozen=True, slots=True)
class SelfService:
    """The bot answered ``ticket_id`` with a knowledge-base article and asked whether it solved
    the problem ("That solved it" / "I still need help")."""

    ticket_id: int
    article_id: int
    title: str


Dialogue = (
    CsatPrompt
    | CsatComment
    | Clarifying
    | QueueAcknowledged
    | IdentityQuestion
    | Fulfilment
    | SelfService
)
"""Every exchange a conversation can be in."""
