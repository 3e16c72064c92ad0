"""The platform-neutral conversation engine.

Inbound events are stored first (de-duplicated by their platform id) and only then processed,
so a crash between the two loses nothing: on start the engine picks up every stored message it
has not processed yet. Processing a message and everything it causes (the ticket, the bot's
replies, their outbox entries, marking the message processed) is one transaction, so a reply
is never produced twice.

Messages of one conversation are processed in order by one worker; conversations are spread
over several workers so that their transactions share the store's group commits.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from classifier.base import Classifier
from classifier.clarify import Clarification
from handoff.bus import conversation_topic
from handoff.desk import parse_csat_payload
from models import (
    Button,
    Conversation,
    ConversationState,
    CsatResponse,
    Direction,
    DuplicateMessage,
    Message,
    Prediction,
    Priority,
    SenderKind,
    TicketAction,
    TicketEvent,
    TicketFilter,
    TicketStatus,
    TicketType,
    format_ticket_id,
)
from models.sla import first_reply_promise

from .channels.base import InboundEvent
from .dialogue import Clarifier, DialogueDriver, Turn

if TYPE_CHECKING:
    from handoff.desk import Desk
    from store.database import Store
    from store.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

NOT_FIXED = re.compile(
    r"\b(not (fixed|solved|resolved|working)|still (broken|not|failing|happening)|"
    r"didn'?t (help|work)|doesn'?t work|reopen)\b",
    re.IGNORECASE,
)
SCORE_ONLY = re.compile(r"^\s*([1-5])\s*(/\s*5)?\s*(stars?)?\s*[.!]?\s*$", re.IGNORECASE)
GREETING_INTENT = "greeting"
HUMAN_INTENT = "human_request"
CLARIFY_KIND = "clarify"
INTENT_PREFIX = "intent:"
SOMETHING_ELSE = "intent:other"
TALK_TO_A_PERSON = "intent:human"
APOLOGY = (
    "Sorry, something went wrong on our side. I've passed your conversation to our support "
    "team and a human agent will get back to you here."
)


class ClassifyBatcher:
    """Classifies the texts asked for in the same turn of the event loop together.

    One message costs ~1 ms; a batch costs far less per message (performance notes: ~30,000/s),
    so under load the engine's workers share one ``classify_many`` call instead of queueing
    behind each other's ``classify``. With one message waiting it is a plain ``classify``.
    """

    def __init__(self, classifier: Callable[[], Classifier]) -> None:
        self._classifier = classifier
        self._waiting: list[tuple[str, asyncio.Future[Prediction]]] = []

    async def classify(self, text: str) -> Prediction:
        future: asyncio.Future[Prediction] = asyncio.get_running_loop().create_future()
        if not self._waiting:
            asyncio.get_running_loop().call_soon(self._flush)
        self._waiting.append((text, future))
        return await future

    def _flush(self) -> None:
        batch, self._waiting = self._waiting, []
        try:
            predictions = self._classifier().classify_many([text for text, _ in batch])
        except Exception as exc:
            for _, future in batch:
                if not future.done():
                    future.set_exception(exc)
            return
        for (_, future), prediction in zip(batch, predictions, strict=True):
            if not future.done():
                future.set_result(prediction)


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
        classifier: Callable[[], Classifier],
        *,
        drivers: tuple[DialogueDriver, ...] = (),
        workers: int = 16,
        clarifier: Clarifier | None = None,
    ) -> None:
        self.store = store
        self.desk = desk
        self._classifier = classifier
        self.clarifier = clarifier
        self.drivers = {d.kind: d for d in drivers}
        self._batcher = ClassifyBatcher(classifier)
        self._queues: list[asyncio.Queue[Queued]] = [asyncio.Queue() for _ in range(workers)]
        self._tasks: list[asyncio.Task[None]] = []
        self._scheduled: set[int] = set()
        self.processed = 0

    # -- lifecycle ----------------------------------------------------------------------------

    async def start(self) -> None:
        """Start the workers and queue every stored message left unprocessed by a crash."""
        self._tasks = [
            asyncio.create_task(self._work(q), name=f"engine-{i}")
            for i, q in enumerate(self._queues)
        ]
        pending = await self.store.read(lambda uow: uow.messages.unprocessed(limit=100_000))
        for message_id, conversation_id in pending:
            self._schedule(message_id, conversation_id)
        if pending:
            log.info("resuming %d stored messages that were not processed", len(pending))

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
            message_id = item.message_id
            try:
                await self.process(message_id, item.text)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("processing message %d failed", message_id)
                await self._apologise(message_id)
            finally:
                self._scheduled.discard(message_id)

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
            if await uow.messages.is_processed(message_id):
                return
            await uow.messages.mark_processed(message_id, self.desk.clock())
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
        ticket = await uow.tickets.get(conversation.ticket_id) if conversation.ticket_id else None
        turn = Turn(uow, self.desk, conversation, customer, message, ticket, prediction)

        if message.payload:
            await self._on_payload(turn, message.payload)
        elif message.text.startswith("/"):
            await self._on_command(turn, message.text[1:].split(" ", 1)[0].lower())
        elif conversation.state is ConversationState.WITH_AGENT:
            await self._to_agent(turn)
        elif conversation.state is ConversationState.WAITING_FOR_AGENT:
            await self._to_queue(turn)
        else:
            await self._with_bot(turn)

    async def _with_bot(self, turn: Turn) -> None:
        dialogue = turn.conversation.dialogue or {}
        kind = dialogue.get("kind")
        if kind == "csat":
            if await self._on_csat_text(turn, dialogue):
                return
        elif kind == "csat_comment":
            await self._on_csat_comment(turn, dialogue)
            return
        elif kind == CLARIFY_KIND and self.clarifier is not None:
            await self._on_clarify_text(turn, dialogue)
            return
        elif kind in self.drivers:
            await self.drivers[kind].on_message(turn)
            return
        if turn.ticket is not None and turn.ticket.status.is_open:
            # released back to the bot, yet still open: keep the customer with that ticket
            await turn.uow.messages.attach_to_ticket(turn.message.id, turn.ticket.id)
            await self._customer_replied(turn)
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
            and await self._on_csat_text(turn, {"ticket_id": turn.ticket.id, "round": 0})
        ):
            return
        await self._new_issue(turn)

    async def _new_issue(self, turn: Turn) -> None:
        prediction = turn.prediction or self._classifier().classify(turn.message.text)
        turn.prediction = prediction
        turn.conversation.dialogue = None
        if prediction.intent == GREETING_INTENT:
            await self.desk.uow_save_conversation(turn.uow, turn.conversation)
            await turn.say(
                "Hello! I'm the support assistant. Tell me what's wrong or what you need, "
                "and I'll open a ticket and take care of it."
            )
            return
        if prediction.intent != HUMAN_INTENT and self.clarifier is not None:
            question = self.clarifier.question(prediction)
            if question is not None and question.ask:
                await self._ask_clarifying(turn, question, prediction)
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
            await self.desk.record_first_response(turn.uow, ticket)
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
        await turn.hand_off(f"{prediction.intent} needs an agent")

    # -- clarifying questions -----------------------------------------------------------------

    async def _ask_clarifying(
        self,
        turn: Turn,
        question: Clarification,
        prediction: Prediction,
        dialogue: dict[str, Any] | None = None,
    ) -> None:
        """Offer the likeliest intents as buttons, or (fewer than two, or asked once
        already) ask the customer to say it in other words."""
        state: dict[str, Any] = dialogue or {
            "kind": CLARIFY_KIND,
            "text": turn.message.text,
            "message_ids": [turn.message.id],
            "prediction": _prediction_json(prediction),
            "rephrased": False,
        }
        person = Button("Talk to a person", TALK_TO_A_PERSON)
        if len(question.options) >= 2 and dialogue is None:
            state["options"] = {o.intent: round(o.probability, 4) for o in question.options}
            buttons = tuple(Button(o.label, INTENT_PREFIX + o.intent) for o in question.options)
            text = "I want to get this right. Which of these is closest to what you need?"
            buttons = (*buttons, Button("Something else", SOMETHING_ELSE), person)
        else:
            state["rephrased"] = True
            state["options"] = {}
            text = (
                "Sorry, I'm not sure I understood. Could you describe it in other words, "
                "in a sentence or two?"
            )
            buttons = (person,)
        turn.conversation.dialogue = state
        await self.desk.uow_save_conversation(turn.uow, turn.conversation)
        await turn.say(text, buttons=buttons)

    async def _on_clarify_answer(self, turn: Turn, dialogue: dict[str, Any], answer: str) -> None:
        """A button of a clarifying question: open the ticket with the chosen intent (and keep
        the choice as a labelled example), ask to rephrase once, or hand off."""
        assert self.clarifier is not None
        original = _prediction_from(dialogue["prediction"])
        options: dict[str, float] = dict(dialogue.get("options") or {})
        turn.conversation.dialogue = None
        if answer == TALK_TO_A_PERSON:
            chosen = self.clarifier.prediction_for(HUMAN_INTENT, original)
            await self._open_from_clarify(turn, dialogue, chosen)
        elif answer.removeprefix(INTENT_PREFIX) in options:
            intent = answer.removeprefix(INTENT_PREFIX)
            chosen = self.clarifier.prediction_for(intent, original)
            chosen = replace(chosen, confidence=options[intent])
            await self._open_from_clarify(turn, dialogue, chosen)
            assert turn.ticket is not None
            await self.clarifier.record_answer(
                turn.uow, str(dialogue["text"]), intent, turn.ticket.id
            )
        else:  # "Something else", or a button of an older question
            await self._rephrase_or_hand_off(turn, dialogue, original)

    async def _on_clarify_text(self, turn: Turn, dialogue: dict[str, Any]) -> None:
        """Free text after a clarifying question: the problem said in other words."""
        assert self.clarifier is not None
        prediction = turn.prediction or self._classifier().classify(turn.message.text)
        question = self.clarifier.question(prediction)
        if prediction.intent == GREETING_INTENT or (question is not None and question.ask):
            dialogue = dict(dialogue, message_ids=[*dialogue["message_ids"], turn.message.id])
            original = _prediction_from(dialogue["prediction"])
            await self._rephrase_or_hand_off(turn, dialogue, original)
            return
        turn.conversation.dialogue = None
        description = f"{dialogue['text']}\n{turn.message.text}"
        await self._open_ticket(
            turn, prediction, description, tuple(int(i) for i in dialogue["message_ids"])
        )

    async def _rephrase_or_hand_off(
        self, turn: Turn, dialogue: dict[str, Any], original: Prediction
    ) -> None:
        if not dialogue.get("rephrased"):
            await self._ask_clarifying(turn, Clarification(True, ()), original, dict(dialogue))
            return
        turn.conversation.dialogue = None
        await self._open_from_clarify(turn, dialogue, original)

    async def _open_from_clarify(
        self, turn: Turn, dialogue: dict[str, Any], prediction: Prediction
    ) -> None:
        earlier = tuple(int(i) for i in dialogue["message_ids"] if int(i) != turn.message.id)
        await self._open_ticket(turn, prediction, str(dialogue["text"]), earlier)

    async def _to_queue(self, turn: Turn) -> None:
        if turn.ticket is None:
            await self._new_issue(turn)
            return
        await turn.uow.messages.attach_to_ticket(turn.message.id, turn.ticket.id)
        await self._customer_replied(turn)
        dialogue = turn.conversation.dialogue or {}
        if not dialogue.get("acked"):
            turn.conversation.dialogue = {"kind": "queued", "acked": True}
            await self.desk.uow_save_conversation(turn.uow, turn.conversation)
            await turn.say(
                f"Thanks, I've added that to ticket {format_ticket_id(turn.ticket.id)}. "
                "An agent will reply here as soon as possible."
            )
        self.desk.ticket_changed(turn.uow, turn.ticket.id)

    async def _to_agent(self, turn: Turn) -> None:
        """The agent owns the conversation: the bot only files the message on the ticket."""
        if turn.ticket is None:
            return
        await turn.uow.messages.attach_to_ticket(turn.message.id, turn.ticket.id)
        await self._customer_replied(turn)
        self.desk.ticket_changed(turn.uow, turn.ticket.id)

    async def _customer_replied(self, turn: Turn) -> None:
        """A customer's reply always moves ``waiting_on_customer`` back, whoever has the chat."""
        if turn.ticket is not None and turn.ticket.status is TicketStatus.WAITING_ON_CUSTOMER:
            await self.desk.transition(
                turn.uow, turn.ticket, TicketAction.CUSTOMER_REPLIED, "customer"
            )

    # -- commands and buttons -----------------------------------------------------------------

    async def _on_command(self, turn: Turn, command: str) -> None:
        if command == "status":
            ids = await turn.uow.customers.identities(turn.customer)
            open_tickets = await turn.uow.tickets.list(
                TicketFilter(customer_ids=ids, open_only=True, limit=10)
            )
            if not open_tickets:
                await turn.say("You have no open tickets.")
                return
            lines = [
                f"{format_ticket_id(t.id)}: {t.status.value.replace('_', ' ')} - "
                f"{t.description[:60]}"
                for t in open_tickets
            ]
            await turn.say("Your open tickets:\n" + "\n".join(lines))
        elif command in ("new", "ticket"):
            turn.conversation.ticket_id = None
            turn.conversation.dialogue = None
            turn.conversation.state = ConversationState.WITH_BOT
            await self.desk.uow_save_conversation(turn.uow, turn.conversation)
            rest = turn.message.text.split(" ", 1)
            if len(rest) == 2 and rest[1].strip():
                turn.message.text = rest[1].strip()
                turn.prediction = None
                turn.ticket = None
                await self._new_issue(turn)
            else:
                await turn.say("Sure, let's start a new ticket. What can I help you with?")
        else:  # /start, /help and anything unknown
            await turn.say(
                "Hi! I'm the support assistant. Describe your problem or request and I'll open "
                "a ticket. Commands: /status lists your open tickets, /new starts a new ticket."
            )

    async def _on_payload(self, turn: Turn, payload: str) -> None:
        csat = parse_csat_payload(payload)
        if csat is not None:
            await self._record_csat(turn, *csat)
            return
        dialogue = turn.conversation.dialogue or {}
        with_bot = turn.conversation.state is ConversationState.WITH_BOT
        clarifying = dialogue.get("kind") == CLARIFY_KIND and self.clarifier is not None
        if clarifying and with_bot and payload.startswith(INTENT_PREFIX):
            await self._on_clarify_answer(turn, dialogue, payload)
            return
        driver = self.drivers.get(str(dialogue.get("kind")))
        if driver is not None and with_bot:
            await driver.on_message(turn)
            return
        await turn.say("Sorry, that button is no longer active. Please type your message instead.")

    async def _record_csat(self, turn: Turn, ticket_id: int, round_: int, score: int) -> None:
        uow = turn.uow
        try:
            ticket = await uow.tickets.get(ticket_id)
        except Exception:
            await turn.say("Sorry, I couldn't find that ticket.")
            return
        if ticket.customer_id not in await uow.customers.identities(turn.customer):
            await turn.say("Sorry, I couldn't find that ticket.")
            return
        current_round = await uow.tickets.resolution_round(ticket_id)
        stored = False
        if round_ == current_round and ticket.status in (
            TicketStatus.RESOLVED,
            TicketStatus.CLOSED,
        ):
            stored = await uow.csat.add(
                CsatResponse(ticket_id=ticket_id, score=score, created_at=self.desk.clock()),
                round_,
            )
        if not stored:
            await turn.say("Thanks, we already have your rating for this ticket.")
            return
        await uow.events.add(
            TicketEvent(
                ticket_id=ticket_id,
                actor="customer",
                kind="csat",
                new=str(score),
                created_at=self.desk.clock(),
            )
        )
        self.desk.ticket_changed(uow, ticket_id)
        if score <= 3:
            turn.conversation.dialogue = {
                "kind": "csat_comment",
                "ticket_id": ticket_id,
                "round": round_,
            }
            await self.desk.uow_save_conversation(uow, turn.conversation)
            await turn.say(
                f"Thanks for rating us {score}/5. What could we have done better? "
                "(Just write it here, or describe a new problem.)"
            )
        else:
            if (turn.conversation.dialogue or {}).get("ticket_id") == ticket_id:
                turn.conversation.dialogue = None
                await self.desk.uow_save_conversation(uow, turn.conversation)
            await turn.say(f"Thanks for rating us {score}/5!")

    async def _on_csat_text(self, turn: Turn, dialogue: dict[str, object]) -> bool:
        """Text after a CSAT prompt: a score, "not fixed", or else a new issue (False)."""
        ticket_id = int(str(dialogue["ticket_id"]))
        round_ = int(str(dialogue["round"]))
        score = SCORE_ONLY.match(turn.message.text)
        if score:
            await self._record_csat(turn, ticket_id, round_, int(score.group(1)))
            return True
        if NOT_FIXED.search(turn.message.text):
            ticket = await turn.uow.tickets.get(ticket_id)
            if ticket.status is TicketStatus.RESOLVED:
                await turn.uow.messages.attach_to_ticket(turn.message.id, ticket.id)
                await self.desk.reopen(turn.uow, ticket, "customer", "customer says: not fixed")
                turn.ticket = ticket
                turn.conversation.ticket_id = ticket.id
                await turn.say(
                    f"I'm sorry to hear that. I've reopened ticket {format_ticket_id(ticket.id)} "
                    "and an agent will follow up here."
                )
                await turn.hand_off("reopened by the customer: not fixed")
                return True
        turn.conversation.dialogue = None
        return False

    async def _on_csat_comment(self, turn: Turn, dialogue: dict[str, object]) -> None:
        ticket_id = int(str(dialogue["ticket_id"]))
        turn.conversation.dialogue = None
        await self.desk.uow_save_conversation(turn.uow, turn.conversation)
        if NOT_FIXED.search(turn.message.text):
            turn.conversation.dialogue = dict(dialogue, kind="csat")
            if await self._on_csat_text(turn, turn.conversation.dialogue):
                return
        await turn.uow.csat.add_comment(ticket_id, int(str(dialogue["round"])), turn.message.text)
        await turn.say("Thank you, I've passed your feedback on to the team.")

    # -- failures -----------------------------------------------------------------------------

    async def _apologise(self, message_id: int) -> None:
        """A bug while handling a message: the customer gets an apology and an agent, never
        silence; the message is marked processed so it is not retried forever."""

        async def fallback(uow: UnitOfWork) -> None:
            if await uow.messages.is_processed(message_id):
                return
            await uow.messages.mark_processed(message_id, self.desk.clock())
            message = await uow.messages.get(message_id)
            conversation = await uow.conversations.get(message.conversation_id)
            customer = await uow.customers.get(conversation.customer_id)
            ticket = (
                await uow.tickets.get(conversation.ticket_id) if conversation.ticket_id else None
            )
            if ticket is None or not ticket.status.is_open:
                ticket = await self.desk.open_ticket(
                    uow, conversation, customer, message.text or "(no text)", _fallback()
                )
            await uow.messages.attach_to_ticket(message.id, ticket.id)
            await self.desk.say(uow, conversation, APOLOGY)
            await self.desk.hand_off(uow, conversation, ticket, "the bot failed on this message")

        try:
            await self.store.write(fallback)
        except Exception:
            log.exception("could not hand message %d to an agent after a failure", message_id)


def _prediction_json(prediction: Prediction) -> dict[str, Any]:
    """A prediction as JSON, kept in ``conversation.dialogue`` while a question is open."""
    return {
        "intent": prediction.intent,
        "type": prediction.type.value,
        "priority": prediction.priority.value,
        "confidence": prediction.confidence,
        "team": prediction.team,
        "fulfiller": prediction.fulfiller,
        "alternatives": [list(a) for a in prediction.alternatives],
    }


def _prediction_from(data: dict[str, Any]) -> Prediction:
    return Prediction(
        intent=str(data["intent"]),
        type=TicketType(data["type"]),
        priority=Priority(data["priority"]),
        confidence=float(data["confidence"]),
        team=data.get("team"),
        fulfiller=data.get("fulfiller"),
        alternatives=tuple((str(i), float(p)) for i, p in data.get("alternatives") or ()),
    )


def _fallback() -> Prediction:
    return Prediction(
        intent="unknown", type=TicketType.INCIDENT, priority=Priority.MEDIUM, confidence=0.0
    )
