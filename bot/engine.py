"""The platform-neutral conversation engine.

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
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from classifier.base import Classifier
from models import (
    Conversation,
    ConversationState,
    Direction,
    DuplicateMessage,
    Message,
    Prediction,
    SenderKind,
    TicketStatus,
    format_ticket_id,
)
from models.csat import NOT_FIXED, parse_csat_payload
from models.sla import first_reply_promise
from service.bus import conversation_topic

from .batching import ClassifyBatcher
from .dialogue import GREETING_INTENT, HUMAN_INTENT, Clarifier, DialogueDriver, Turn
from .dialogues import commands, csat, handed_off
from .dialogues.clarify import INTENT_PREFIX, ClarifyingDialogue
from .ports import InboundEvent
from .recovery import Sweeper, apologise, with_retries

if TYPE_CHECKING:
    from service.desk import Desk
    from store.database import Store
    from store.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)
DEFAULT_LEASE = timedelta(seconds=60)


@dataclass(frozen=True, slots=True)
class Queued:
    """A stored message waiting to be processed; ``text`` is set when it needs classifying
    (known when it was accepted), else the worker reads the message first."""

    message_id: int
    text: str | None = None


@dataclass(frozen=True, slots=True)
class Accepted:
    """An inbound event, durably stored (or recognised as a redelivery)."""

    message_id: int
    conversation_id: int
    duplicate: bool = False
    classify: str | None = None


class Engine:
    """Turns stored customer messages into tickets, replies and handoffs."""

    def __init__(
        self,
        store: Store,
        desk: Desk,
        classifier: Classifier,
        *,
        drivers: tuple[DialogueDriver, ...] = (),
        workers: int = 16,
        clarifier: Clarifier | None = None,
        lease: timedelta = DEFAULT_LEASE,
    ) -> None:
        self.store = store
        self.desk = desk
        self._classifier = classifier
        self.clarifying = (
            ClarifyingDialogue(clarifier, classifier, self._open_ticket) if clarifier else None
        )
        self.drivers = {d.kind: d for d in drivers}
        self._batcher = ClassifyBatcher(classifier)
        self._queues: list[asyncio.Queue[Queued]] = [asyncio.Queue() for _ in range(workers)]
        self._tasks: list[asyncio.Task[None]] = []
        self._scheduled: set[int] = set()
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

    async def accept(self, event: InboundEvent) -> Accepted:
        """Store an inbound event durably, then queue it for processing.

        A redelivered event (same channel and platform message id) is recognised and dropped.
        """

        async def store_it(uow: UnitOfWork) -> Accepted:
            now = self.desk.clock()
            customer = await uow.customers.get_or_create(
                event.channel, event.user_id, now, event.display_name, event.language
            )
            conversation = await uow.conversations.current(event.channel, event.address)
            if conversation is None or conversation.state is ConversationState.CLOSED:
                conversation = await uow.conversations.add(
                    Conversation(
                        id=0,
                        channel=event.channel,
                        customer_id=customer.id,
                        address=event.address,
                    ),
                    now,
                )
            text = event.text
            if event.command:
                text = f"/{event.command}" + (f" {event.text}" if event.text else "")
            message = await uow.messages.add(
                Message(
                    id=0,
                    conversation_id=conversation.id,
                    seq=0,
                    direction=Direction.INBOUND,
                    sender=SenderKind.CUSTOMER,
                    text=text,
                    payload=event.payload,
                    ticket_id=conversation.ticket_id,
                    platform_message_id=event.platform_message_id,
                ),
                event.channel,
                now,
                processed=False,
                claimed_until=now + self.lease,
            )
            uow.after_commit(lambda: self.desk.bus.publish(conversation_topic(conversation.id)))
            needs = self._needs_prediction(message, conversation)
            return Accepted(message.id, conversation.id, classify=text if needs else None)

        try:
            accepted = await self.store.write(store_it)
        except DuplicateMessage:
            log.info("dropped redelivered %s update %s", event.channel, event.platform_message_id)
            return Accepted(0, 0, duplicate=True)
        self._schedule(accepted.message_id, accepted.conversation_id, accepted.classify)
        return accepted

    def _schedule(self, message_id: int, conversation_id: int, text: str | None = None) -> None:
        if message_id in self._scheduled:
            return
        self._scheduled.add(message_id)
        self._queues[conversation_id % len(self._queues)].put_nowait(Queued(message_id, text))

    async def _work(self, queue: asyncio.Queue[Queued]) -> None:
        while True:
            item = await queue.get()
            try:
                await with_retries(item.message_id, self._processing(item), self._apologise)
            finally:
                self._scheduled.discard(item.message_id)

    def _processing(self, item: Queued) -> Callable[[], Awaitable[None]]:
        return lambda: self.process(item.message_id, item.text)

    async def _apologise(self, message_id: int) -> None:
        await apologise(self.store, self.desk, message_id)

    # -- processing ---------------------------------------------------------------------------

    async def process(self, message_id: int, text: str | None = None) -> None:
        """Handle one stored customer message (idempotent: a processed message is skipped).

        ``text`` is the message's text when the caller already knows it needs classifying;
        otherwise (after a restart) the message is read first to find out.
        """
        if text is None:

            async def peek(uow: UnitOfWork) -> tuple[Message, Conversation, bool]:
                message = await uow.messages.get(message_id)
                conversation = await uow.conversations.get(message.conversation_id)
                return message, conversation, await uow.messages.is_processed(message_id)

            message, conversation, done = await self.store.read(peek)
            if done:
                return
            if self._needs_prediction(message, conversation):
                text = message.text
        prediction = None
        if text is not None:
            # CPU-bound; outside the transaction so the writer never waits on it.
            prediction = await self._batcher.classify(text)

        async def handle(uow: UnitOfWork) -> None:
            if not await uow.messages.mark_processed(message_id, self.desk.clock()):
                return  # done already, here or by another process
            await self._handle(uow, message_id, prediction)

        await self.store.write(handle)
        self.processed += 1

    def _needs_prediction(self, message: Message, conversation: Conversation) -> bool:
        if not message.text.strip() or message.text.startswith("/") or message.payload:
            return False
        return conversation.state is ConversationState.WITH_BOT

    async def _handle(
        self, uow: UnitOfWork, message_id: int, prediction: Prediction | None
    ) -> None:
        message = await uow.messages.get(message_id)
        conversation = await uow.conversations.get(message.conversation_id)
        customer = await uow.customers.get(conversation.customer_id)
        if prediction is not None and prediction.language not in (None, customer.language):
            customer.language = str(prediction.language)  # the language they write in
            await uow.customers.set_language(customer.id, customer.language)
        ticket = await uow.tickets.get(conversation.ticket_id) if conversation.ticket_id else None
        turn = Turn(uow, self.desk, conversation, customer, message, ticket, prediction)

        if message.payload:
            await self._on_payload(turn, message.payload)
        elif message.text.startswith("/"):
            command = message.text[1:].split(" ", 1)[0].lower()
            await commands.on_command(turn, command, self._new_issue)
        elif conversation.state is ConversationState.WITH_AGENT:
            await handed_off.while_with_agent(turn)
        elif conversation.state is ConversationState.WAITING_FOR_AGENT:
            if not await handed_off.while_waiting(turn):
                await self._new_issue(turn)
        else:
            await self._with_bot(turn)

    async def _with_bot(self, turn: Turn) -> None:
        dialogue = turn.conversation.dialogue or {}
        kind = dialogue.get("kind")
        if kind == csat.PROMPT:
            if await csat.on_text(turn, dialogue):
                return
        elif kind == csat.COMMENT:
            await csat.on_comment(turn, dialogue)
            return
        elif self.clarifying is not None and kind == self.clarifying.kind:
            await self.clarifying.on_text(turn, dialogue)
            return
        elif kind in self.drivers:
            await self.drivers[kind].on_message(turn)
            return
        if turn.ticket is not None and turn.ticket.status.is_open:
            # released back to the bot, yet still open: keep the customer with that ticket
            await turn.uow.messages.attach_to_ticket(turn.message.id, turn.ticket.id)
            await handed_off.customer_replied(turn)
            await turn.say(
                f"I've added this to your ticket {format_ticket_id(turn.ticket.id)}. "
                "An agent will pick it up here."
            )
            await turn.hand_off("customer wrote again on an open ticket")
            return
        if (  # "not fixed" after the CSAT exchange ended (a rating, a comment): reopen it
            turn.ticket is not None
            and turn.ticket.status is TicketStatus.RESOLVED
            and NOT_FIXED.search(turn.message.text)
            and await csat.on_text(turn, {"ticket_id": turn.ticket.id, "round": 0})
        ):
            return
        await self._new_issue(turn)

    async def _new_issue(self, turn: Turn) -> None:
        prediction = turn.prediction or self._classifier.classify(turn.message.text)
        turn.prediction = prediction
        turn.conversation.dialogue = None
        if prediction.intent == GREETING_INTENT:
            await self.desk.uow_save_conversation(turn.uow, turn.conversation)
            await turn.say(
                "Hello! I'm the support assistant. Tell me what's wrong or what you need, "
                "and I'll open a ticket and take care of it."
            )
            return
        question = self.clarifying.question(prediction) if self.clarifying else None
        if self.clarifying is not None and question is not None:
            await self.clarifying.ask(turn, question, prediction)
            return
        await self._open_ticket(turn, prediction)

    async def _open_ticket(
        self,
        turn: Turn,
        prediction: Prediction,
        description: str | None = None,
        earlier: tuple[int, ...] = (),
    ) -> None:
        """Open a ticket for ``prediction``; then auto-fulfil it or hand it to the agents.

        ``description`` and ``earlier`` (message ids filed on the ticket too) are set when a
        clarifying question came in between the customer's problem and this turn.
        """
        turn.prediction = prediction
        ticket = await self.desk.open_ticket(
            turn.uow,
            turn.conversation,
            turn.customer,
            description or turn.message.text,
            prediction,
        )
        turn.ticket = ticket
        for message_id in (*earlier, turn.message.id):
            await turn.uow.messages.attach_to_ticket(message_id, ticket.id)
        public = format_ticket_id(ticket.id)
        driver = next(
            (
                d
                for d in self.drivers.values()
                if prediction.intent != HUMAN_INTENT and d.handles(prediction)
            ),
            None,
        )
        if driver is not None:
            await turn.say(
                f"Thanks! I've opened ticket {public} for this "
                f"({ticket.type.value.replace('_', ' ')}). I can take care of it myself."
            )
            await self.desk.record_bot_response(turn.uow, ticket, fulfilling=True)
            await driver.start(turn)
            return
        due = ticket.first_response_due or self.desk.clock()
        lead = (
            "Of course, I'll get you a human agent."
            if prediction.intent == HUMAN_INTENT
            else "Thanks for the details."
        )
        await turn.say(
            f"{lead} I've opened ticket {public} "
            f"({ticket.type.value.replace('_', ' ')}, {ticket.priority.value} priority). "
            f"A human agent will take over this conversation; expect a first reply "
            f"{first_reply_promise(self.desk.sla, ticket.priority, due, self.desk.clock())}. "
            "You can add anything else here in the meantime."
        )
        await self.desk.record_bot_response(turn.uow, ticket)
        await turn.hand_off(f"{prediction.intent} needs an agent")

    # -- commands and buttons -----------------------------------------------------------------

    async def _on_payload(self, turn: Turn, payload: str) -> None:
        rating = parse_csat_payload(payload)
        if rating is not None:
            await csat.record_rating(turn, *rating)
            return
        dialogue = turn.conversation.dialogue or {}
        with_bot = turn.conversation.state is ConversationState.WITH_BOT
        clarifying = self.clarifying
        answering = clarifying is not None and dialogue.get("kind") == clarifying.kind
        if clarifying and answering and with_bot and payload.startswith(INTENT_PREFIX):
            await clarifying.on_answer(turn, dialogue, payload)
            return
        driver = self.drivers.get(str(dialogue.get("kind")))
        if driver is not None and with_bot:
            await driver.on_message(turn)
            return
        await turn.say("Sorry, that button is no longer active. Please type your message instead.")
