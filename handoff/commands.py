"""What an agent asks for, read from a request body before a service runs.

Each handler turns the body into one of these (or :class:`~handoff.ticket_changes.TicketChanges`
for a PATCH); bad input is a :class:`~models.ValidationError` naming the field, raised here,
so ``AgentActions`` takes typed values and never reads JSON.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from models import ValidationError

from .ticket_changes import text_field


@dataclass(frozen=True, slots=True)
class Reply:
    """A message to the customer, or an internal note (``internal``) for the other agents."""

    text: str
    internal: bool = False

    @classmethod
    def of(cls, text: Any, internal: Any = False) -> Reply:
        if not isinstance(internal, bool):
            raise ValidationError('"internal" must be true or false')
        return cls(text_field(text, "text"), internal)


@dataclass(frozen=True, slots=True)
class Reason:
    """Why an agent escalates, asks for approval, approves, rejects or reopens ("" if not
    given, where it is optional)."""

    text: str = ""

    @classmethod
    def optional(cls, body: dict[str, Any]) -> Reason:
        return cls(text_field(body.get("reason"), "reason", required=False))

    @classmethod
    def required(cls, body: dict[str, Any]) -> Reason:
        return cls(text_field(body.get("reason"), "reason"))


@dataclass(frozen=True, slots=True)
class Resolve:
    """How the ticket was resolved (told to the customer with the CSAT question)."""

    resolution: str

    @classmethod
    def parse(cls, body: dict[str, Any]) -> Resolve:
        return cls(text_field(body.get("resolution"), "resolution"))
