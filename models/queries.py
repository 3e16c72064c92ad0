"""Query specifications the store understands, so callers need not write SQL."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .enums import TicketStatus


@dataclass(frozen=True, slots=True)
class TicketFilter:
    """Which tickets to list; empty fields do not filter."""

    statuses: Sequence[TicketStatus] = ()
    assignee_id: int | None = None
    unassigned: bool = False
    type: str | None = None
    priority: str | None = None
    team: str | None = None
    channel: str | None = None
    customer_ids: Sequence[int] = ()
    open_only: bool = False
    ids: Sequence[int] | None = None  # only these tickets (e.g. search hits)
    tag: str | None = None
    limit: int = 200
