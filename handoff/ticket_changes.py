"""What an agent may change on a ticket, parsed from a request body before the service runs.

Bad input is refused here with a :class:`ValidationError` naming the field, so the service
(``AgentActions.update``) takes a typed value and never reads JSON.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any, TypeVar

from models import Priority, TicketStatus, TicketType, ValidationError

from .tags import parse_tags

MAX_TEXT = 4000
EDITABLE = ("type", "priority", "intent", "assignee", "status", "team", "tags", "resolution")
E = TypeVar("E", bound=Enum)


def text_field(value: Any, name: str, required: bool = True) -> str:
    """A text an agent sent (a reply, a reason, a resolution), stripped; refused when empty
    (unless optional), not a string, or longer than ``MAX_TEXT``."""
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise ValidationError(f'"{name}" must be a non-empty string')
    if len(value) > MAX_TEXT:
        raise ValidationError(f'"{name}" is longer than {MAX_TEXT} characters')
    return value.strip()


def _enum(kind: type[E], changes: dict[str, Any], name: str) -> E | None:
    if name not in changes:
        return None
    try:
        return kind(changes[name])
    except ValueError:
        allowed = ", ".join(str(e.value) for e in kind)
        raise ValidationError(f'"{name}" must be one of {allowed}') from None


@dataclass(frozen=True, slots=True)
class TicketChanges:
    """A PATCH of a ticket. ``None`` leaves a field alone; ``reassign`` says whether
    ``assignee`` (an agent id, an email, ``"me"``, or ``None`` to unassign) was sent."""

    type: TicketType | None = None
    priority: Priority | None = None
    status: TicketStatus | None = None
    intent: str | None = None
    team: str | None = None
    resolution: Any = None
    tags: list[str] | None = None
    reassign: bool = False
    assignee: Any = None

    @classmethod
    def parse(cls, changes: dict[str, Any]) -> TicketChanges:
        """From a JSON object; raises ValidationError naming the first bad field."""
        unknown = set(changes) - set(EDITABLE)
        if unknown or not changes:
            fields = ", ".join(EDITABLE[:-1])
            raise ValidationError(
                f"send one or more of {fields}" + (f"; not {sorted(unknown)}" if unknown else "")
            )
        return cls(
            type=_enum(TicketType, changes, "type"),
            priority=_enum(Priority, changes, "priority"),
            status=_enum(TicketStatus, changes, "status"),
            intent=text_field(changes["intent"], "intent")[:64] if "intent" in changes else None,
            team=text_field(changes["team"], "team")[:64] if "team" in changes else None,
            resolution=changes.get("resolution"),
            tags=parse_tags(changes["tags"]) if "tags" in changes else None,
            reassign="assignee" in changes,
            assignee=changes.get("assignee"),
        )
