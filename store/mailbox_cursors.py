"""How far the email channel has read each IMAP mailbox: the last UID it stored, under the
folder's UIDVALIDITY (a new UIDVALIDITY means the UIDs were renumbered: read again from 0)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, String, Table, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from .tables import UTCDateTime, metadata

imap_cursors = Table(
    "imap_cursors",
    metadata,
    Column("mailbox", String(400), primary_key=True),  # user@host:port/folder
    Column("uid_validity", BigInteger, nullable=False),
    Column("last_uid", BigInteger, nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)


class MailboxCursorRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def get(self, mailbox: str) -> tuple[int, int]:
        """(uid_validity, last_uid); (0, 0) for a mailbox never read."""
        query = select(imap_cursors.c.uid_validity, imap_cursors.c.last_uid).where(
            imap_cursors.c.mailbox == mailbox
        )
        row = (await self.conn.execute(query)).first()
        return (int(row[0]), int(row[1])) if row else (0, 0)

    async def save(self, mailbox: str, uid_validity: int, last_uid: int, now: datetime) -> None:
        values = {"uid_validity": uid_validity, "last_uid": last_uid, "updated_at": now}
        done = await self.conn.execute(
            update(imap_cursors).where(imap_cursors.c.mailbox == mailbox).values(**values)
        )
        if done.rowcount == 0:
            await self.conn.execute(insert(imap_cursors).values(mailbox=mailbox, **values))
