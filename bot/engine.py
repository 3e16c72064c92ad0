"""The platform-neutral conversation engine: it accepts inbound events, orders them per
conversation, and routes each message to whoever answers it (``_route``): a dialogue driver
(``bot/dialogue.py``), a command, the agents' side, or a new issue (``bot/new_issue.py``).

Inbound events are stored first (de-duplicated by their platform id) and only then processed,
so a crash between the two loses nothing: on start the engine picks up every stored message it
has not processed yet, a periodic sweep takes over messages nobody answered within their lease,
and failures are retried (bot/recovery.py). Processing a message and everything it causes (the
ticket, the bot's replies, their outbox entries, marking the message processed) is one
transaction, so a reply is never produced twice.

Messages of one conversation are processed in order by one worker; conversations are spread
over several workers so that their transactions share the store's group commits.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import TYPE_CHECKING

from classifier.base import Classifier
from models import (
    Attachment,
    Conversation,
    ConversationState,
    Direction,
    DuplicateMessage,
    Message,
    Prediction,
    SenderKind,
    StoreUnavailable,
)
from models.articles import ArticleMatch
from service.bus import conversation_topic

from .backlog import Backlog
from .batching import ClassifyBatcher
from .dialogue import Clarifier, DialogueDriver, TicketDriver, Turn
from .dialogues import commands, opening
from .dialogues.csat import CsatDialogue
from .dialogues.handed_off import HandedOff
from .dialogues.self_service import SelfServiceDialogue
from .inbound import find_or_open, store_message
from .new_issue import NewIssue
from .ports import InboundEvent
from .recovery import Sweeper, apologise, with_retries

if TYPE_CHECKING:
    from service.desk import Desk
    from service.unit_of_work import Transactions, UnitOfWork

log = logging.getLogger(__name__)
DEFAULT_LEASE = timedelta(seconds=60)
BUTTON_GONE = opening.STALE_BUTTON


@dataclass(frozen=True, slots=True)
class Queued:
    """A stored message waiting to be processed; ``text`` is set when it needs classifying
    (known when it was accepted), else the worker reads the message first."""

    message_id: int
    conversation_id: int
    text: str | None = None
    checked: bool = False  # whether it needs classifying is known (``text`` says)


@dataclass(frozen=True, slots=True)
class Accepted:
    """An inbound event, durably stored (or recognised as a redelivery)."""

    message_id: int
    conversation_id: int
    duplicate: bool = False
    classify: str | None = None
    processed: bool = False  # handled in the transaction that stored it
    files: tuple[Attachment, ...] = ()


class Engine:
    """Turns stored customer messages into tickets, replies and handoffs."""

    def __init__(
        self,
        store: Transactions,
        desk: Desk,
        classifier: Classifier,
        *,
        drivers: tuple[TicketDriver, ...] = (),
        workers: int = 16,
        clarifier: Clarifier | None = None,
        lease: timedelta = DEFAULT_LEASE,
        answers: SelfServiceDialogue | None = None,
        backlog: Backlog | None = None,
        tickets_per_ip_per_hour: int = 0,
    ) -> None:
        self.store = store
        self.desk = desk
        self.answers = answers  # the knowledge base and desk facts (#13)
        self.new_issue = NewIssue(classifier, drivers, clarifier, answers, tickets_per_ip_per_hour)
        self.csat = CsatDialogue()
        self.handed_off = HandedOff()
        every: list[DialogueDriver] = [self.csat, *drivers, *([answers] if answers else [])]
        if self.new_issue.clarifying is not None:
            every.append(self.new_issue.clarifying)
        self.drivers: dict[type, DialogueDriver] = {
            kind: driver for driver in every for kind in driver.dialogues
        }
        self._batcher = ClassifyBatcher(classifier)
        self._queues: list[asyncio.Queue[Queued]] = [asyncio.Queue() for _ in range(workers)]
        self._tasks: list[asyncio.Task[None]] = []
        # accepted, not yet processed: bounded by bot/backlog.py
        self.backlog = Backlog() if backlog is None else backlog
        self._pending: dict[int, int] = {}  # conversation id -> its messages queued here
        self.processed = 0
        self.lease = lease
        self.sweeper = Sweeper(store, desk.clock, lease, self._schedule)

    # -- lifecycle ----------------------------------------------------------------------------

    async def start(self) -> None:
        """Start the workers and take over every stored message left unprocessed by a crash."""
        self._tasks = [
            asyncio.create_task(self._work(q), name=f"engine-{i}")
            for i, q in enumerate(self._queues)
        ]
        await self.sweeper.sweep(everything=True)

    async def sweep(self) -> int:
        """Take over messages left unprocessed past their lease (a periodic job)."""
        return await self.sweeper.sweep()

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            try:
                await task
            except asyncio.CancelledError:
                pass
        self._tasks = []

    # -- inbound ------------------------------------------------------------------------------

    async def accept(
        self, event: InboundEvent, files: tuple[Attachment, ...] = (), *, refusable: bool = True
    ) -> Accepted:
        """Store an inbound event (with ``files``, already kept by ``service.attachments``)
        durably, then queue it. A redelivery (same channel and platform id) is dropped.

        Raises :class:`models.Overloaded`, storing nothing, while this process's backlog is at
        its bound, unless ``refusable`` is false (a platform that cannot send it again).
        """
        key = self.backlog.admit(refusable)  # counted until it is queued for a worker
        try:
            return await self._accept(event, files)
        finally:
            self.backlog.done(key)

    async def _accept(self, event: InboundEvent, files: tuple[Attachment, ...]) -> Accepted:
        async def store_it(uow: UnitOfWork, inline: bool) -> Accepted:
            now = self.desk.clock()
            conversation, customer, ticket = await find_or_open(uow, event, now)
            probe = Message(0, conversation.id, 0, Direction.INBOUND, SenderKind.CUSTOMER,
                            event.text, payload=event.payload)  # fmt: skip
            needs = self._needs_prediction(probe, conversation) and not event.command
            # Nothing to classify and nothing of this conversation's still queued here:
            # handle it in this same transaction (one commit instead of two).
            inline = inline and not needs and not self._pending.get(conversation.id)
            message = await store_message(
                uow, event, conversation, now, processed=inline, lease_until=now + self.lease
            )
            uow.after_commit(lambda: self.desk.bus.publish(conversation_topic(conversation.id)))
            kept = tuple(
                [
                    await uow.attachments.add(
                        replace(f, conversation_id=conversation.id, message_id=message.id), now
                    )
                    for f in files
                ]
            )
            message.attachments = kept
            if inline:
                await self._route(Turn(uow, self.desk, conversation, customer, message, ticket))
                return Accepted(message.id, conversation.id, processed=True, files=kept)
            classify = message.text if needs else None
            return Accepted(message.id, conversation.id, classify=classify, files=kept)

        try:
            try:
                accepted = await self.store.write(lambda uow: store_it(uow, True))
            except (DuplicateMessage, StoreUnavailable):
                raise  # an outage is no bug: 503, nothing stored, the client sends it again
            except Exception:  # a bug while handling it: store it, the worker apologises
                log.exception("handling a %s message as it arrived failed", event.channel)
                accepted = await self.store.write(lambda uow: store_it(uow, False))
        except DuplicateMessage:
            log.info("dropped redelivered %s update %s", event.channel, event.platform_message_id)
            return Accepted(0, 0, duplicate=True)
        if accepted.processed:
            self.processed += 1
            return accepted
        self._schedule(accepted.message_id, accepted.conversation_id, accepted.classify, True)
        return accepted

    def _schedule(
        self, message_id: int, conversation_id: int, text: str | None = None, checked: bool = False
    ) -> None:
        if message_id in self.backlog:
            return
        self.backlog.add(message_id)
        self._pending[conversation_id] = self._pending.get(conversation_id, 0) + 1
        queue = self._queues[conversation_id % len(self._queues)]
        queue.put_nowait(Queued(message_id, conversation_id, text, checked))

    async def _work(self, queue: asyncio.Queue[Queued]) -> None:
        while True:
            item = await queue.get()
            try:
                await with_retries(item.message_id, self._processing(item), self._apologise)
            finally:
                self.backlog.done(item.message_id)
                left = self._pending.pop(item.conversation_id, 1) - 1
                if left:
                    self._pending[item.conversation_id] = left

    def _processing(self, item: Queued) -> Callable[[], Awaitable[None]]:
        return lambda: self.process(item.message_id, item.text, checked=item.checked)

    async def _apologise(self, message_id: int) -> None:
        await apologise(self.store, self.desk, message_id)

    # -- processing ---------------------------------------------------------------------------

    async def process(
        self, message_id: int, text: str | None = None, *, checked: bool = False
    ) -> None:
        """Handle one stored customer message (idempotent: a processed message is skipped).

        ``text`` is the message's text when the caller already knows it needs classifying;
        ``checked`` says the caller knows whether it does (``text`` ``None``: it does not);
        otherwise (after a restart) the message is read first to find out.
        """
        if text is None and not checked:

            async def peek(uow: UnitOfWork) -> tuple[Message, Conversation, bool]:
                message = await uow.messages.get(message_id)
                conversation = await uow.conversations.get(message.conversation_id)
                return message, conversation, await uow.messages.is_processed(message_id)

            message, conversation, done = await self.store.read(peek)
            if done:
                return
            if self._needs_prediction(message, conversation):
                text = message.text
        prediction = article = None
        if text is not None:  # CPU-bound: outside the transaction, the writer never waits on it
            prediction = await self._batcher.classify(text)
            article = await self.answers.prepare(text, prediction) if self.answers else None

        async def handle(uow: UnitOfWork) -> None:
            message = await uow.turns.take(message_id, self.desk.clock())
            if message is None:
                return  # done already, here or by another process
            await self._handle(uow, message, prediction, article)

        await self.store.write(handle)
        self.processed += 1

    def _needs_prediction(self, message: Message, conversation: Conversation) -> bool:
        if not message.text.strip() or message.text.startswith("/") or message.payload:
            return False
        return conversation.state is ConversationState.WITH_BOT

    async def _handle(
        self,
        uow: UnitOfWork,
        message: Message,
        prediction: Prediction | None,
        article: ArticleMatch | None = None,
    ) -> None:
        conversation, customer, ticket = await uow.turns.of_conversation(message.conversation_id)
        if prediction is not None and prediction.language not in (None, customer.language):
            customer.language = str(prediction.language)  # the language they write in
            await uow.customers.set_language(customer.id, customer.language)
        turn = Turn(uow, self.desk, conversation, customer, message, ticket, prediction, article)
        await self._route(turn)

    async def _route(self, turn: Turn) -> None:
        """Who answers: a button's exchange, a command, the agents' side, the dialogue the
        conversation is in; what none of them takes is a new issue."""
        message, conversation = turn.message, turn.conversation
        with_bot = conversation.state is ConversationState.WITH_BOT
        driver = self.drivers.get(type(conversation.dialogue)) if with_bot else None
        if message.payload:
            if await self.csat.on_rating(turn, message.payload):
                return
            if driver is None or not await driver.on_button(turn, message.payload):
                await turn.say(BUTTON_GONE)
        elif message.text.startswith("/"):
            command = message.text[1:].split(" ", 1)[0].lower()
            await commands.on_command(turn, command, self.new_issue)
        elif not with_bot:
            if not await self.handed_off.on_text(turn):
                await self.new_issue(turn)
        elif not (
            (driver is not None and await driver.on_text(turn))
            or await self.csat.not_fixed_after(turn)  # "thanks, but still broken": reopened
            or await self.new_issue.small_talk(turn)  # thanks on an open ticket: no hand-off
            or await self.handed_off.back_with_open_ticket(turn)
        ):
            await self.new_issue(turn)
