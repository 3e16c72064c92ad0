"""Labelled examples the desk collects (agents' corrections, clarified intents) for training."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select

from . import tables as t
from .repositories import _Repo


@dataclass(frozen=True, slots=True)
class TrainingLabel:
    text: str
    source: str
    intent: str | None = None
    type: str | None = None
    priority: str | None = None
    ticket_id: int | None = None
    agent_id: int | None = None
    created_at: datetime | None = None


class TrainingLabelRepository(_Repo):
    """Labels agents set or corrected, and customers' clarifying answers: training data."""

    async def add(self, label: TrainingLabel) -> None:
        await self.conn.execute(
            insert(t.training_labels).values(
                text=label.text,
                intent=label.intent,
                type=label.type,
                priority=label.priority,
                source=label.source,
                ticket_id=label.ticket_id,
                agent_id=label.agent_id,
                created_at=label.created_at,
            )
        )

    async def list(self, since: datetime | None = None) -> list[TrainingLabel]:
        query = select(t.training_labels).order_by(t.training_labels.c.id)
        if since is not None:
            query = query.where(t.training_labels.c.created_at > since)
        return [
            TrainingLabel(
                text=r["text"],
                source=r["source"],
                intent=r["intent"],
                type=r["type"],
                priority=r["priority"],
                ticket_id=r["ticket_id"],
                agent_id=r["agent_id"],
                created_at=r["created_at"],
            )
            for r in (await self.conn.execute(query)).mappings()
        ]
