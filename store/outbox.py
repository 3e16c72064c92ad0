"""The outbox: the single queue of everything the front desk sends, with leases and retries."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, insert, select, update

from models import (
    Button,
    OutboxBody,
)

from . import tables as t
from .direct import hot
from .repositories import _Repo

# Write-path statements built once (see store/repositories.py).
_INSERT_OUTBOX = hot(insert(t.outbox).returning(t.outbox.c.id))
_UPDATE_OUTBOX = hot(update(t.outbox).where(t.outbox.c.id == bindparam("_id")))
_DUE = hot(  # the delivery worker's polls
    select(t.outbox)
    .where(
        t.outbox.c.status == "pending",
        t.outbox.c.next_attempt_at <= bindparam("now"),
        t.outbox.c.channel.in_(bindparam("channels", expanding=True)),
    )
    .order_by(t.outbox.c.id)
    .limit(bindparam("limit"))
)
_CLAIM = hot(
    update(t.outbox)
    .where(
        t.outbox.c.id == bindparam("_id"),
        t.outbox.c.status == "pending",
        t.outbox.c.next_attempt_at <= bindparam("_now"),
    )
    .values(next_attempt_at=bindparam("_until"), attempts=t.outbox.c.attempts + 1)
)
_NEXT_DUE_AT = hot(
    select(func.min(t.outbox.c.next_attempt_at)).where(
        t.outbox.c.status == "pending",
        t.outbox.c.channel.in_(bindparam("channels", expanding=True)),
    )
)


@dataclass(frozen=True, slots=True)
class OutboxItem:
    id: int
    channel: str
    address: str
    conversation_id: int | None
    message_id: int | None
    body: OutboxBody
    attempts: int


def _outbox_json(body: OutboxBody) -> dict[str, Any]:
    data: dict[str, Any] = {
        "text": body.text,
        "buttons": [{"label": b.label, "payload": b.payload} for b in body.buttons],
    }
    if body.attachments:
        data["attachments"] = list(body.attachments)
    return data | body.extra


def _outbox_body(data: dict[str, Any]) -> OutboxBody:
    def text(key: str) -> str | None:
        return None if data.get(key) is None else str(data[key])

    return OutboxBody(
        text=str(data.get("text", "")),
        buttons=tuple(Button(b["label"], b["payload"]) for b in data.get("buttons") or ()),
        sender=text("sender"),
        subject=text("subject"),
        ticket=text("ticket"),
        agent=text("agent"),
        team=text("team"),
        attachments=tuple(int(a) for a in data.get("attachments") or ()),
    )


REDACTED = {"redacted": "the body was removed after the last delivery attempt"}


class OutboxRepository(_Repo):
    """The single queue of everything the front desk sends (chat messages, mails)."""

    async def add(
        self,
        channel: str,
        address: str,
        body: OutboxBody,
        now: datetime,
        conversation_id: int | None = None,
        message_id: int | None = None,
    ) -> int:
        result = await self.conn.execute(
            _INSERT_OUTBOX,
            {
                "channel": channel,
                "address": address,
                "body": _outbox_json(body),
                "conversation_id": conversation_id,
                "message_id": message_id,
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
            },
        )
        return int(result.scalar_one())

    async def due(
        self, now: datetime, channels: Sequence[str], limit: int = 100
    ) -> list[OutboxItem]:
        params = {"now": now, "channels": list(channels), "limit": limit}
        return [
            OutboxItem(
                id=r["id"],
                channel=r["channel"],
                address=r["address"],
                conversation_id=r["conversation_id"],
                message_id=r["message_id"],
                body=_outbox_body(r["body"]),
                attempts=r["attempts"],
            )
            for r in (await self.conn.execute(_DUE, params)).mappings()
        ]

    async def claim(self, item_id: int, now: datetime, lease_until: datetime) -> bool:
        """Take an item for one delivery attempt; False if another worker has it.

        The lease (``next_attempt_at`` moved ahead) is what makes several processes safe:
        a worker that dies mid-send leaves the item to be retried when the lease ends.
        """
        params = {"_id": item_id, "_now": now, "_until": lease_until}
        return bool((await self.conn.execute(_CLAIM, params)).rowcount)

    async def mark_sent(self, item_id: int, now: datetime, redact: bool = False) -> None:
        """``redact``: drop the body once delivered (mails carry one-time codes and links)."""
        values: dict[str, Any] = {"status": "sent", "sent_at": now}
        if redact:
            values["body"] = REDACTED
        await self.conn.execute(_UPDATE_OUTBOX, {"_id": item_id, **values})

    async def retry_at(self, item_id: int, when: datetime, error: str) -> None:
        await self.conn.execute(
            update(t.outbox)
            .where(t.outbox.c.id == item_id)
            .values(next_attempt_at=when, last_error=error[:2000])
        )

    async def release_attempt(self, item_id: int) -> None:
        """Undo the attempt count of an item that was never tried (it waited its turn)."""
        await self.conn.execute(
            update(t.outbox)
            .where(t.outbox.c.id == item_id)
            .values(attempts=t.outbox.c.attempts - 1)
        )

    async def mark_failed(self, item_id: int, error: str, redact: bool = False) -> None:
        values: dict[str, Any] = {"status": "failed", "last_error": error[:2000]}
        if redact:
            values["body"] = REDACTED
        await self.conn.execute(update(t.outbox).where(t.outbox.c.id == item_id).values(**values))

    async def depth(self) -> int:
        query = select(func.count()).where(t.outbox.c.status == "pending")
        return int((await self.conn.execute(query)).scalar_one())

    async def next_due_at(self, channels: Sequence[str]) -> datetime | None:
        params = {"channels": list(channels)}
        value = (await self.conn.execute(_NEXT_DUE_AT, params)).scalar_one_or_none()
        if value is None:
            return None
        return t.UTCDateTime().process_result_value(value, self.conn.dialect)
