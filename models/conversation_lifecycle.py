"""Who may speak in a conversation, as an explicit state machine beside the ticket's.

``with_bot`` (the engine answers) → ``waiting_for_agent`` (in the queue; the bot files what the
customer writes) → ``with_agent`` (an agent took over; the bot is silent) → back to the bot
(released, resolved, rejected, or the customer starts anew) or ``closed``. Each move is a named
action; an illegal one raises :class:`InvalidConversationMove` naming both.
"""

from __future__ import annotations

from enum import StrEnum

from .enums import ConversationState as C
from .errors import DomainError


class ConversationAction(StrEnum):
    HAND_OFF = "hand_off"  # to the agents' queue (the bot could not or should not help)
    TAKE_OVER = "take_over"  # an agent claims it
    RELEASE = "release"  # the agent gives it back to the bot
    HAND_BACK = "hand_back"  # the ticket was resolved or rejected: the bot asks for CSAT
    START_ANEW = "start_anew"  # the customer's /new: a fresh start with the bot
    CLOSE = "close"


class InvalidConversationMove(DomainError):
    """A conversation was asked to move in a way its lifecycle forbids."""

    def __init__(self, current: str, action: str) -> None:
        super().__init__(f"cannot {action.replace('_', ' ')} a conversation that is {current}")
        self.current = current
        self.action = action


_OPEN = (C.WITH_BOT, C.WAITING_FOR_AGENT, C.WITH_AGENT)

CONVERSATION_MOVES: dict[tuple[C, ConversationAction], C] = {
    **{(s, ConversationAction.HAND_OFF): C.WAITING_FOR_AGENT for s in _OPEN},
    (C.WITH_BOT, ConversationAction.TAKE_OVER): C.WITH_AGENT,
    (C.WAITING_FOR_AGENT, ConversationAction.TAKE_OVER): C.WITH_AGENT,
    (C.WITH_AGENT, ConversationAction.RELEASE): C.WITH_BOT,
    (C.WAITING_FOR_AGENT, ConversationAction.RELEASE): C.WITH_BOT,
    **{(s, ConversationAction.HAND_BACK): C.WITH_BOT for s in _OPEN},
    **{(s, ConversationAction.START_ANEW): C.WITH_BOT for s in _OPEN},
    **{(s, ConversationAction.CLOSE): C.CLOSED for s in _OPEN},
}


def next_conversation_state(current: C, action: ConversationAction) -> C:
    """The state after ``action``; raises :class:`InvalidConversationMove` if not allowed."""
    try:
        return CONVERSATION_MOVES[(current, action)]
    except KeyError:
        raise InvalidConversationMove(current.value, action.value) from None
