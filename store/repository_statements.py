"""The statements of the customers', conversations' and messages' repositories on a message's
path, built once (``store/direct.py``): building a Core expression per call costs more than
SQLite spends executing it. Parameters are passed at execution."""

from __future__ import annotations

from sqlalchemy import bindparam, insert, literal_column, select, update

from . import tables as t
from .attachments import with_their_files
from .direct import hot

CUSTOMER_BY_ID = hot(select(t.customers).where(t.customers.c.id == bindparam("id")))
CUSTOMER_BY_EXTERNAL = hot(
    select(t.customers).where(
        t.customers.c.channel == bindparam("channel"),
        t.customers.c.external_id == bindparam("external_id"),
    )
)
INSERT_CUSTOMER = hot(insert(t.customers).returning(t.customers.c.id))
CONVERSATION_BY_ID = hot(select(t.conversations).where(t.conversations.c.id == bindparam("id")))
CURRENT_CONVERSATION = hot(
    select(t.conversations)
    .where(
        t.conversations.c.channel == bindparam("channel"),
        t.conversations.c.address == bindparam("address"),
    )
    .order_by(t.conversations.c.id.desc())
    .limit(1)
)
INSERT_CONVERSATION = hot(insert(t.conversations).returning(t.conversations.c.id))
UPDATE_CONVERSATION = hot(update(t.conversations).where(t.conversations.c.id == bindparam("_id")))
NEXT_SEQ = hot(
    update(t.conversations)
    .where(t.conversations.c.id == bindparam("_id"))
    .values(last_seq=t.conversations.c.last_seq + 1)
    .returning(t.conversations.c.last_seq)
)
INSERT_MESSAGE = hot(insert(t.messages).returning(t.messages.c.id))
# PostgreSQL: the next message number and the message's INSERT in one statement (one round trip
# instead of two); the UPDATE's row lock keeps numbers gap-free as NEXT_SEQ does. SQLite has no
# UPDATE in a WITH clause, and no round trip to save: it runs NEXT_SEQ, then INSERT_MESSAGE.
# Its parameters are named ``new_<column>``: SQLAlchemy reads an INSERT's or UPDATE's parameter
# names as the columns to set, and would also set the CTE's conversation columns of those names.
MESSAGE_COLUMNS = tuple(c.name for c in t.messages.columns if c.name not in ("id", "seq"))
_SEQ = (
    update(t.conversations)
    .where(t.conversations.c.id == bindparam("new_conversation_id"))
    .values(last_seq=t.conversations.c.last_seq + literal_column("1"))  # no bind parameter
    .returning(t.conversations.c.last_seq)
    .cte("next_seq")
)
INSERT_MESSAGE_NUMBERED = hot(
    insert(t.messages)
    .from_select(
        ["seq", *MESSAGE_COLUMNS],
        select(
            _SEQ.c.last_seq,
            *(bindparam(f"new_{c}", type_=t.messages.c[c].type) for c in MESSAGE_COLUMNS),
        ),
    )
    .returning(t.messages.c.id, t.messages.c.seq)
)
MESSAGE_BY_ID = hot(select(t.messages).where(t.messages.c.id == bindparam("id")))
MESSAGE_PROCESSED_AT = hot(
    select(t.messages.c.processed_at).where(t.messages.c.id == bindparam("id"))
)
UPDATE_MESSAGE = hot(update(t.messages).where(t.messages.c.id == bindparam("_id")))
IN_CONVERSATION = hot(
    # a customer's poll: the statement built once (``where`` added below)
    select(t.messages)
    .where(t.messages.c.conversation_id == bindparam("id"), t.messages.c.seq > bindparam("after"))
    .order_by(t.messages.c.seq)
    .limit(bindparam("limit"))
)
IN_CONVERSATION_PUBLIC = hot(IN_CONVERSATION.where(t.messages.c.internal.is_(False)))
# the same, each message with its attachments, in one statement (a poll's two reads in one)
IN_CONVERSATION_FILES = hot(with_their_files(IN_CONVERSATION))
IN_CONVERSATION_PUBLIC_FILES = hot(with_their_files(IN_CONVERSATION_PUBLIC))
TOKEN_HASH = hot(
    select(t.conversations.c.id, t.conversations.c.access_token_hash)
    .where(
        t.conversations.c.channel == bindparam("channel"),
        t.conversations.c.address == bindparam("address"),
    )
    .order_by(t.conversations.c.id.desc())
    .limit(1)
)
MARK_PROCESSED = hot(
    update(t.messages)
    .where(t.messages.c.id == bindparam("_id"), t.messages.c.processed_at.is_(None))
    .values(processed_at=bindparam("_now"))
)
