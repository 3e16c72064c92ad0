"""The email channel's :class:`~bot.ports.MailThreads`, answered from the store.

A mail continues a conversation only when its sender is that conversation's customer, so a
guessed Message-ID or ticket ID cannot put text into someone else's ticket.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from models import (
    ChannelKind,
    Conversation,
    InvalidTicketId,
    NotFound,
    format_ticket_id,
    parse_ticket_id,
)

from .ports import MailThread

if TYPE_CHECKING:
    from store.database import Store
    from store.unit_of_work import UnitOfWork


class StoreMailThreads:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def continued(
        self,
        sender: str,
        ours: tuple[int, ...],
        theirs: tuple[str, ...],
        ticket: str | None,
    ) -> str | None:
        async def find(uow: UnitOfWork) -> str | None:
            candidates = [*ours, *await uow.mail.conversations_of(theirs)]
            if ticket is not None:
                try:
                    found = await uow.tickets.get(parse_ticket_id(ticket))
                    candidates.append(found.conversation_id)
                except (InvalidTicketId, NotFound):
                    pass
            for conversation_id in candidates:
                conversation = await _email_conversation(uow, conversation_id)
                if conversation is None:
                    continue
                customer = await uow.customers.get(conversation.customer_id)
                if customer.external_id == sender:
                    return conversation.address
            return None

        return await self.store.read(find)

    async def reply_headers(self, conversation_id: int) -> MailThread | None:
        async def read(uow: UnitOfWork) -> MailThread | None:
            conversation = await _email_conversation(uow, conversation_id)
            if conversation is None:
                return None
            ticket = None
            subject = ""
            if conversation.ticket_id is not None:
                found = await uow.tickets.get(conversation.ticket_id)
                ticket, subject = format_ticket_id(found.id), found.description
            subject = subject or await uow.mail.first_inbound_text(conversation_id)
            first_line = subject.strip().split("\n", 1)[0][:150]
            references = tuple(await uow.mail.inbound_ids(conversation_id))
            return MailThread(ticket=ticket, subject=first_line, references=references)

        return await self.store.read(read)


class StoreMailboxCursor:
    """The :class:`~bot.ports.MailboxCursor` in the ``imap_cursors`` table."""

    def __init__(self, store: Store, clock: Callable[[], datetime]) -> None:
        self.store, self.clock = store, clock

    async def read_up_to(self, mailbox: str) -> tuple[int, int]:
        return await self.store.read(lambda uow: uow.mailboxes.get(mailbox))

    async def advance(self, mailbox: str, uid_validity: int, uid: int) -> None:
        async def write(uow: UnitOfWork) -> None:
            await uow.mailboxes.save(mailbox, uid_validity, uid, self.clock())

        await self.store.write(write)


async def _email_conversation(uow: UnitOfWork, conversation_id: int) -> Conversation | None:
    try:
        conversation = await uow.conversations.get(conversation_id)
    except NotFound:
        return None
    return conversation if conversation.channel is ChannelKind.EMAIL else None
