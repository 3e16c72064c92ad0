"""Vocabulary of the support domain, shared by every layer."""

from __future__ import annotations

from enum import StrEnum


class ChannelKind(StrEnum):
    """Where a customer talks to us; one customer identity exists per channel."""

    WEB = "web"
    TELEGRAM = "telegram"
    DISCORD = "discord"
    EMAIL = "email"


class ConversationState(StrEnum):
    """Who owns the conversation right now; the bot speaks only in ``WITH_BOT``."""

    WITH_BOT = "with_bot"
    WAITING_FOR_AGENT = "waiting_for_agent"
    WITH_AGENT = "with_agent"
    CLOSED = "closed"


class Direction(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


class SenderKind(StrEnum):
    CUSTOMER = "customer"
    BOT = "bot"
    AGENT = "agent"
    SYSTEM = "system"


class TicketType(StrEnum):
    INCIDENT = "incident"
    SERVICE_REQUEST = "service_request"
    PROBLEM = "problem"
    CHANGE_REQUEST = "change_request"


class Priority(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    URGENT = "urgent"

    @property
    def rank(self) -> int:
        return _PRIORITY_ORDER.index(self)

    def raised(self) -> Priority:
        """One step more urgent; urgent stays urgent."""
        return _PRIORITY_ORDER[min(self.rank + 1, len(_PRIORITY_ORDER) - 1)]


_PRIORITY_ORDER = (Priority.LOW, Priority.MEDIUM, Priority.HIGH, Priority.URGENT)


class TicketStatus(StrEnum):
    NEW = "new"
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    WAITING_ON_CUSTOMER = "waiting_on_customer"
    PENDING_APPROVAL = "pending_approval"
    RESOLVED = "resolved"
    CLOSED = "closed"

    @property
    def is_open(self) -> bool:
        return self not in (TicketStatus.RESOLVED, TicketStatus.CLOSED)


class AgentRole(StrEnum):
    AGENT = "agent"
    MANAGER = "manager"
    ADMIN = "admin"

    def at_least(self, other: AgentRole) -> bool:
        order = (AgentRole.AGENT, AgentRole.MANAGER, AgentRole.ADMIN)
        return order.index(self) >= order.index(other)
