"""Queries for email threading: which conversation a mail's references belong to, and the
Message-IDs a reply in a conversation answers."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from models import ChannelKind, Direction

from . import tables as t


class MailThreadQueries:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def conversations_of(self, platform_ids: tuple[str, ...]) -> list[int]:
        """Conversations holding the customer's mails with these Message-IDs, newest first."""
        if not platform_ids:
            return []
        query = (
            select(t.messages.c.conversation_id)
            .where(
                t.messages.c.channel == ChannelKind.EMAIL.value,
                t.messages.c.platform_message_id.in_(list(platform_ids[:50])),
            )
            .order_by(t.messages.c.id.desc())
        )
        return list(dict.fromkeys(r[0] for r in (await self.conn.execute(query)).all()))

    async def inbound_ids(self, conversation_id: int, limit: int = 10) -> list[str]:
        """The Message-IDs of the customer's mails in a conversation, oldest first."""
        query = (
            select(t.messages.c.platform_message_id)
            .where(
                t.messages.c.conversation_id == conversation_id,
                t.messages.c.direction == Direction.INBOUND.value,
                t.messages.c.platform_message_id.is_not(None),
            )
            .order_by(t.messages.c.seq.desc())
            .limit(limit)
        )
        found = [r[0] for r in (await self.conn.execute(query)).all()]
        return [pid for pid in reversed(found) if pid.startswith("<")]

    async def first_inbound_text(self, conversation_id: int) -> str:
        query = (
            select(t.messages.c.text)
            .where(
                t.messages.c.conversation_id == conversation_id,
                t.messages.c.direction == Direction.INBOUND.value,
            )
            .order_by(t.messages.c.seq)
            .limit(1)
        )
        return str((await self.conn.execute(query)).scalar_one_or_none() or "")
