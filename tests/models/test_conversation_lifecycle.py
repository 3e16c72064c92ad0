"""Who may speak: the conversation's lifecycle as named moves, an illegal one refused."""

from __future__ import annotations

import pytest

from models import (
    ChannelKind,
    Conversation,
    ConversationAction,
    ConversationState,
    InvalidConversationMove,
    next_conversation_state,
)

A, S = ConversationAction, ConversationState


def test_a_conversation_goes_from_the_bot_to_the_queue_to_an_agent_and_back() -> None:
    conversation = Conversation(1, ChannelKind.WEB, 7, "session-1")
    story = [
        (A.HAND_OFF, S.WITH_BOT, S.WAITING_FOR_AGENT),
        (A.TAKE_OVER, S.WAITING_FOR_AGENT, S.WITH_AGENT),
        (A.HAND_BACK, S.WITH_AGENT, S.WITH_BOT),  # resolved: the bot asks for CSAT
        (A.TAKE_OVER, S.WITH_BOT, S.WITH_AGENT),  # an agent claims it from the bot directly
        (A.RELEASE, S.WITH_AGENT, S.WITH_BOT),
        (A.CLOSE, S.WITH_BOT, S.CLOSED),
    ]
    for action, before, after in story:
        assert conversation.move(action) is before
        assert conversation.state is after


@pytest.mark.parametrize(
    ("state", "action"),
    [
        (S.WITH_AGENT, A.TAKE_OVER),  # already taken
        (S.WITH_BOT, A.RELEASE),  # nothing to release
        (S.CLOSED, A.HAND_OFF),
        (S.CLOSED, A.START_ANEW),  # a closed conversation stays closed; a new one starts
    ],
)
def test_an_illegal_move_is_refused_naming_the_action_and_the_state(
    state: ConversationState, action: ConversationAction
) -> None:
    with pytest.raises(InvalidConversationMove) as refused:
        next_conversation_state(state, action)
    assert action.value.replace("_", " ") in str(refused.value)
    assert state.value in str(refused.value)


def test_a_customer_can_start_anew_and_any_open_conversation_can_be_handed_off() -> None:
    for state in (S.WITH_BOT, S.WAITING_FOR_AGENT, S.WITH_AGENT):
        assert next_conversation_state(state, A.START_ANEW) is S.WITH_BOT
        assert next_conversation_state(state, A.HAND_OFF) is S.WAITING_FOR_AGENT
