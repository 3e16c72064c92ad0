"""Frontdesk's domain: entities, enums, the ticket lifecycle and domain errors.

Imports nothing outside the standard library, so every other layer can depend on it.
"""

from .conversation_lifecycle import (
    CONVERSATION_MOVES,
    ConversationAction,
    InvalidConversationMove,
    next_conversation_state,
)
from .entities import (
    Agent,
    Button,
    Conversation,
    CsatResponse,
    Customer,
    Message,
    OutboxBody,
    Prediction,
    Ticket,
    TicketEvent,
)
from .enums import (
    AgentRole,
    ChannelKind,
    ConversationState,
    Direction,
    Priority,
    SenderKind,
    TicketStatus,
    TicketType,
)
from .errors import (
    AccessError,
    Conflict,
    DomainError,
    DuplicateMessage,
    Forbidden,
    InvalidTicketId,
    InvalidTransition,
    NotFound,
    NotSignedIn,
    StoreUnavailable,
    TooFast,
    ValidationError,
)
from .lifecycle import TRANSITIONS, TicketAction, action_for_target, allowed_actions, next_status
from .queries import TicketFilter
from .ticket_ids import format_ticket_id, parse_ticket_id

__all__ = [
    "CONVERSATION_MOVES",
    "TRANSITIONS",
    "AccessError",
    "Agent",
    "AgentRole",
    "Button",
    "ChannelKind",
    "Conflict",
    "Conversation",
    "ConversationAction",
    "ConversationState",
    "CsatResponse",
    "Customer",
    "Direction",
    "DomainError",
    "DuplicateMessage",
    "Forbidden",
    "InvalidConversationMove",
    "InvalidTicketId",
    "InvalidTransition",
    "Message",
    "NotFound",
    "NotSignedIn",
    "OutboxBody",
    "Prediction",
    "Priority",
    "SenderKind",
    "StoreUnavailable",
    "Ticket",
    "TicketAction",
    "TicketEvent",
    "TicketFilter",
    "TicketStatus",
    "TicketType",
    "TooFast",
    "ValidationError",
    "action_for_target",
    "allowed_actions",
    "format_ticket_id",
    "next_conversation_state",
    "next_status",
    "parse_ticket_id",
]
