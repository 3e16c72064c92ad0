"""Web-chat sessions over the store: what the web-chat channel's HTTP routes need.

A session is a customer identity plus a conversation whose address is the session id. Its
bearer token is random and only its SHA-256 is stored.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import secrets
import time
import uuid
from collections import OrderedDict
from datetime import timedelta
from typing import TYPE_CHECKING

from models import Attachment, ChannelKind, Conversation, Message, NotFound, UnsupportedFile
from service.bus import EventBus, conversation_topic

from .ports import ChatSession, InboundEvent, RateLimited, UnknownSession, WrongToken

if TYPE_CHECKING:
    from service.attachments import Files
    from service.widget import TypingBoard
    from store.database import Store
    from store.unit_of_work import UnitOfWork

    from .engine import Engine


def _event(
    session: ChatSession, text: str, payload: str | None, client_message_id: str | None
) -> InboundEvent:
    unique = client_message_id or uuid.uuid4().hex
    return InboundEvent(
        channel=ChannelKind.WEB,
        platform_message_id=f"{session.session_id}:{unique}",
        user_id=session.session_id,
        address=session.session_id,
        text=text,
        payload=payload,
    )


POLL_SLICE = 2.0  # re-read the store at least this often, for changes made by other processes


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class TokenBucket:
    """Per-session send rate: ``burst`` at once, then ``rate`` per second."""

    def __init__(self, burst: int, rate: float) -> None:
        self.burst = burst
        self.rate = rate
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def take(self, key: str) -> float:
        """0 if allowed now, else the seconds to wait."""
        now = time.monotonic()
        tokens, last = self._buckets.pop(key, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - last) * self.rate)
        if tokens >= 1:
            self._buckets[key] = (tokens - 1, now)
            wait = 0.0
        else:
            self._buckets[key] = (tokens, now)
            wait = (1 - tokens) / self.rate
        while len(self._buckets) > 100_000:
            self._buckets.popitem(last=False)
        return wait


class WebChatSessions:
    """Satisfies :class:`bot.ports.WebChatBackend` on the store and the engine."""

    def __init__(
        self,
        store: Store,
        engine: Engine,
        bus: EventBus,
        files: Files | None = None,
        *,
        burst: int,
        rate: float,
        sessions_per_ip_per_min: int = 0,
        typing: TypingBoard | None = None,
    ) -> None:
        self.typing_board = typing  # agents typing, shown in the widget
        self.sessions_per_ip_per_min = sessions_per_ip_per_min  # 0 = no limit
        self.files = files
        self.store = store
        self.engine = engine
        self.bus = bus
        self.limiter = TokenBucket(burst, rate)
        self._auth_cache: OrderedDict[tuple[str, str], int] = OrderedDict()

    async def create_session(
        self, language: str | None = None, client: str = "unknown", email: str | None = None
    ) -> tuple[str, str]:
        """A new session; ``language`` is the browser's (the bot speaks it where it can), ``email``
        the widget's optional pre-chat field (kept on the customer, unverified). One
        client address may open ``sessions_per_ip_per_min`` a minute (counted in the database,
        so the limit holds across processes), else RateLimited: without it, one session per
        message would bypass the per-session send rate."""
        self.engine.backlog.check()  # a busy process refuses new chats first (bot/backlog.py)
        session_id = uuid.uuid4().hex
        token = secrets.token_urlsafe(32)

        async def create(uow: UnitOfWork) -> None:
            now = self.engine.desk.clock()
            if self.sessions_per_ip_per_min > 0:
                count = await uow.limits.hit(f"session:ip:{client}", now, timedelta(minutes=1))
                if count.over(self.sessions_per_ip_per_min):
                    wait = (count.window_ends - now).total_seconds()
                    raise RateLimited(wait, "too many new chats from your address; wait a minute")
            customer = await uow.customers.get_or_create(
                ChannelKind.WEB, session_id, now, "Web visitor", language
            )
            if email:
                await uow.customers.set_email(customer.id, email, verified=False)
            await uow.conversations.add(
                Conversation(
                    id=0,
                    channel=ChannelKind.WEB,
                    customer_id=customer.id,
                    address=session_id,
                    client=client,
                ),
                now,
                access_token_hash=_hash(token),
            )

        await self.store.write(create)
        return session_id, token

    async def authenticate(self, session_id: str, token: str) -> ChatSession:
        key = (session_id, _hash(token))
        cached = self._auth_cache.get(key)
        if cached is not None:
            return ChatSession(session_id, cached)
        found = await self.store.read(
            lambda uow: uow.conversations.access_token_hash(ChannelKind.WEB, session_id),
            small=True,
        )
        if found is None:
            raise UnknownSession(session_id)
        conversation_id, stored = found
        if not hmac.compare_digest(stored, key[1]):
            raise WrongToken(session_id)
        self._auth_cache[key] = conversation_id
        while len(self._auth_cache) > 50_000:
            self._auth_cache.popitem(last=False)
        return ChatSession(session_id, conversation_id)

    async def send(
        self,
        session: ChatSession,
        text: str,
        payload: str | None,
        client_message_id: str | None,
    ) -> int:
        self._take(session)
        accepted = await self.engine.accept(_event(session, text, payload, client_message_id))
        return accepted.message_id

    def _take(self, session: ChatSession) -> None:
        wait = self.limiter.take(session.session_id)
        if wait > 0:
            raise RateLimited(wait)

    async def send_file(
        self, session: ChatSession, text: str, name: str, data: bytes
    ) -> tuple[int, tuple[Attachment, ...]]:
        if self.files is None:
            raise UnsupportedFile("this front desk keeps no files")
        self._take(session)
        self.engine.backlog.check()  # before the file is kept: a refused one leaves nothing
        kept = await self.files.keep(name, data)
        accepted = await self.engine.accept(_event(session, text, None, None), (kept,))
        return accepted.message_id, accepted.files

    async def file(
        self, session: ChatSession, attachment_id: int, thumbnail: bool
    ) -> tuple[Attachment, bytes, str]:
        """Only files of a conversation at this session's address (its customer's own, or
        what agents sent them); anything else is "no such file", never "not yours"."""

        async def find(uow: UnitOfWork) -> Attachment:
            attachment = await uow.attachments.get(attachment_id)
            conversation = await uow.conversations.get(attachment.conversation_id)
            ours = conversation.channel is ChannelKind.WEB
            if not ours or conversation.address != session.session_id:
                raise NotFound("no such file")
            return attachment

        attachment = await self.store.read(find)
        if self.files is None:
            raise NotFound("no such file")
        data, content_type = await self.files.read(attachment, thumbnail)
        return attachment, data, content_type

    async def agent_names(self, messages: list[Message]) -> dict[int, str]:
        ids = {m.agent_id for m in messages if m.agent_id is not None}
        if not ids:
            return {}

        async def read(uow: UnitOfWork) -> dict[int, str]:
            return {i: (await uow.agents.get(i)).name for i in sorted(ids)}

        return await self.store.read(read)

    def typing(self, session: ChatSession) -> str | None:
        """The name of the agent typing to this conversation now, if one is."""
        board = self.typing_board
        return board.who(session.conversation_id) if board is not None else None

    async def messages(
        self, session: ChatSession, after: int, wait: float, shows_typing: bool | None = None
    ) -> list[Message]:
        """Messages after ``after``; long-polls up to ``wait`` seconds while there are none
        and whether an agent is typing is what the client shows (``shows_typing``; None: as
        it was when the poll began)."""
        deadline = asyncio.get_running_loop().time() + wait
        topic = conversation_topic(session.conversation_id)
        typing = self.typing(session) is not None if shows_typing is None else shows_typing
        while True:
            woken = self.bus.listen(topic)
            try:
                found = await self.store.read(
                    lambda uow: uow.messages.in_conversation(session.conversation_id, after),
                    small=True,
                )
                remaining = deadline - asyncio.get_running_loop().time()
                if found or remaining <= 0 or (self.typing(session) is not None) != typing:
                    return found
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(woken.wait(), min(remaining, POLL_SLICE))
            finally:
                self.bus.forget(topic, woken)
