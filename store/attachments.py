"""Files sent with messages: the ``attachments`` table (its rows; the bytes live in the file
storage, ``store/files.py``) and its repository."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Column,
    ForeignKey,
    Index,
    Integer,
    Select,
    String,
    Table,
    bindparam,
    insert,
    select,
)
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from models import Attachment, Message, NotFound

from .direct import hot
from .tables import Id, UTCDateTime, metadata

attachments = Table(
    "attachments",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("conversation_id", Id, ForeignKey("conversations.id"), nullable=False),
    Column("message_id", Id, ForeignKey("messages.id")),
    Column("name", String(255), nullable=False),
    Column("content_type", String(100), nullable=False),
    Column("size", Integer, nullable=False),
    Column("storage_key", String(200), nullable=False),
    Column("thumbnail_key", String(200)),
    Column("created_at", UTCDateTime(), nullable=False),
    Index("ix_attachments_message_id", "message_id"),
)


def attachment(row: RowMapping) -> Attachment:
    return Attachment(
        id=row["id"],
        conversation_id=row["conversation_id"],
        message_id=row["message_id"],
        name=row["name"],
        content_type=row["content_type"],
        size=row["size"],
        key=row["storage_key"],
        thumbnail_key=row["thumbnail_key"],
        created_at=row["created_at"],
    )


_OF_MESSAGES = hot(  # built once: a customer's every poll reads it
    select(attachments)
    .where(attachments.c.message_id.in_(bindparam("ids", expanding=True)))
    .order_by(attachments.c.id)
)


class AttachmentRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def add(self, file: Attachment, now: datetime) -> Attachment:
        result = await self.conn.execute(
            insert(attachments)
            .values(
                conversation_id=file.conversation_id,
                message_id=file.message_id,
                name=file.name[:255],
                content_type=file.content_type,
                size=file.size,
                storage_key=file.key,
                thumbnail_key=file.thumbnail_key,
                created_at=now,
            )
            .returning(attachments.c.id)
        )
        return Attachment(
            id=result.scalar_one(),
            conversation_id=file.conversation_id,
            message_id=file.message_id,
            name=file.name[:255],
            content_type=file.content_type,
            size=file.size,
            key=file.key,
            thumbnail_key=file.thumbnail_key,
            created_at=now,
        )

    async def get(self, attachment_id: int) -> Attachment:
        query = select(attachments).where(attachments.c.id == attachment_id)
        row = (await self.conn.execute(query)).mappings().first()
        if row is None:
            raise NotFound("no such file")
        return attachment(row)

    async def of_messages(self, message_ids: Iterable[int]) -> dict[int, list[Attachment]]:
        ids = list(message_ids)
        found: dict[int, list[Attachment]] = {}
        for start in range(0, len(ids), 500):
            params = {"ids": ids[start : start + 500]}
            for row in (await self.conn.execute(_OF_MESSAGES, params)).mappings():
                found.setdefault(row["message_id"], []).append(attachment(row))
        return found


_FILE_COLUMNS = tuple(c.name for c in attachments.columns)


def with_their_files(page: Select[Any]) -> Select[Any]:
    """``page`` (a SELECT of messages rows, ordered and limited) with each message's
    attachments in the same statement: a row per attachment, or one with no file. A customer's
    poll is then one statement instead of two (one round trip less on PostgreSQL); read the
    rows with :func:`messages_with_files`."""
    sub = page.subquery("page")
    return (
        select(sub, *(attachments.c[name].label(f"file_{name}") for name in _FILE_COLUMNS))
        .select_from(sub.outerjoin(attachments, attachments.c.message_id == sub.c.id))
        .order_by(sub.c.seq, attachments.c.id)
    )


def messages_with_files(
    found: Iterable[RowMapping], message: Callable[[RowMapping], Message]
) -> list[Message]:
    """The messages of :func:`with_their_files`'s rows, each with its attachments."""
    messages: dict[int, Message] = {}
    files: dict[int, list[Attachment]] = {}
    for row in found:
        if row["id"] not in messages:
            messages[row["id"]] = message(row)
            files[row["id"]] = []
        if row["file_id"] is not None:
            fields = {name: row[f"file_{name}"] for name in _FILE_COLUMNS}
            files[row["id"]].append(attachment(fields))  # type: ignore[arg-type]
    for message_id, stored in messages.items():
        stored.attachments = tuple(files[message_id])
    return list(messages.values())


async def with_files(conn: AsyncConnection, found: list[Message]) -> list[Message]:
    """Fill in each message's attachments (one query; none when nothing was found)."""
    if found:
        files = await AttachmentRepository(conn).of_messages(m.id for m in found)
        for message in found:
            message.attachments = tuple(files.get(message.id, ()))
    return found
