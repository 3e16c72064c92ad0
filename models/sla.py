"""Service-level targets per priority, and due times derived from them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from .enums import Priority


@dataclass(frozen=True, slots=True)
class SlaTarget:
    first_response: timedelta
    resolution: timedelta


def _default_targets() -> dict[Priority, SlaTarget]:
    h = timedelta(hours=1)
    return {
        Priority.URGENT: SlaTarget(timedelta(minutes=15), 4 * h),
        Priority.HIGH: SlaTarget(1 * h, 8 * h),
        Priority.MEDIUM: SlaTarget(4 * h, 24 * h),
        Priority.LOW: SlaTarget(8 * h, 72 * h),
    }


@dataclass(frozen=True, slots=True)
class SlaPolicy:
    """Targets per priority; the defaults are common help-desk practice."""

    targets: dict[Priority, SlaTarget] = field(default_factory=_default_targets)

    def first_response_due(self, priority: Priority, created_at: datetime) -> datetime:
        return created_at + self.targets[priority].first_response

    def resolution_due(self, priority: Priority, created_at: datetime) -> datetime:
        return created_at + self.targets[priority].resolution


def humanize(delta: timedelta) -> str:
    """'15 minutes', '1 hour', '3 days': how the bot tells a customer how long to expect."""
    minutes = int(delta.total_seconds() // 60)
    if minutes < 60:
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    hours = minutes // 60
    if hours < 48:
        return f"{hours} hour{'s' if hours != 1 else ''}"
    days = hours // 24
    return f"{days} days"
