"""Ticket and conversation operations shared by the bot and the agents: the one place they change.

Every change runs inside a unit of work handed in by the caller (so it commits together with
whatever caused it), goes through the lifecycle state machine, and leaves an audit event.
Messages to customers are stored and queued in the outbox in the same transaction, so a crash
can neither lose them nor send them twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Protocol

from models import (
    Attachment,
    Button,
    ChannelKind,
    Conversation,
    ConversationAction,
    ConversationState,
    CsatPrompt,
    Customer,
    Dialogue,
    Direction,
    Message,
    OutboxBody,
    Prediction,
    SenderKind,
    Ticket,
    TicketAction,
    TicketEvent,
    TicketStatus,
    format_ticket_id,
    next_status,
)
from models.csat import csat_buttons
from models.sla import SlaPolicy
from models.texts import Text, _

from .bus import OUTBOX_TOPIC, TICKETS_TOPIC, EventBus, conversation_topic
from .follow_ups import link_follow_up
from .i18n import Translator
from .identity import identity_question, question_text

if TYPE_CHECKING:
    from .unit_of_work import UnitOfWork


def utc_now() -> datetime:
    return datetime.now(UTC)


class Router(Protocol):
    """Sets a handed-off ticket's team and assigns it (``handoff/routing.py``)."""

    async def route(
        self, uow: UnitOfWork, desk: Desk, ticket: Ticket, language: str = "en"
    ) -> object: ...


@dataclass
class Desk:
    """Stateless apart from its collaborators; one instance serves the whole process."""

    bus: EventBus
    sla: SlaPolicy = field(default_factory=SlaPolicy)
    clock: Callable[[], datetime] = utc_now
    router: Router | None = None  # sets the team and assigns on hand-off

    # -- messages ---------------------------------------------------------------------------

    async def say(
        self,
        uow: UnitOfWork,
        conversation: Conversation,
        text: str | Text,
        *,
        sender: SenderKind = SenderKind.BOT,
        buttons: tuple[Button, ...] = (),
        agent_id: int | None = None,
        agent_name: str | None = None,
        team: str | None = None,
        internal: bool = False,
        ticket_id: int | None = None,
        language: str | None = None,
        files: tuple[Attachment, ...] = (),
    ) -> Message:
        """Store a message to the customer and queue its delivery (internal notes stay put).

        A :class:`~models.texts.Text` (every bot text) and the button labels are said in the
        customer's language (``language``, else read from the customer); a plain string (an
        agent's words) is kept as written. ``files`` are attachments already kept by
        ``service.attachments.Files``: their rows are written here, and the outbox row names
        them so each channel sends them natively. ``agent_name`` goes with an agent's words
        to the platform channels, which show who answers (web chat reads it from the message);
        ``team`` (the ticket's) goes with it for mail, whose signature names the team.
        """
        now = self.clock()
        if isinstance(text, Text) or buttons:
            if language is None:
                language = (await uow.customers.get(conversation.customer_id)).language
            words = Translator(language)
            text = words.text(text)
            buttons = tuple(Button(words.gettext(b.label), b.payload) for b in buttons)
        message = await uow.messages.add(
            Message(
                id=0,
                conversation_id=conversation.id,
                seq=0,
                direction=Direction.OUTBOUND,
                sender=sender,
                text=text,
                buttons=buttons,
                internal=internal,
                agent_id=agent_id,
                ticket_id=ticket_id if ticket_id is not None else conversation.ticket_id,
            ),
            conversation.channel,
            now,
        )
        message.attachments = tuple(
            [
                await uow.attachments.add(
                    replace(f, conversation_id=conversation.id, message_id=message.id), now
                )
                for f in files
            ]
        )
        # Web chat reads the committed message itself (long poll, WebSocket): an outbox row
        # would only be leased and marked sent by the delivery worker, two more transactions
        # per reply for nothing. Platform channels keep the outbox and its delivery lease.
        delivered_by_worker = not internal and conversation.channel is not ChannelKind.WEB
        if delivered_by_worker:
            ids = tuple(f.id for f in message.attachments)
            await uow.outbox.add(
                conversation.channel.value,
                conversation.address,
                OutboxBody(
                    text, buttons, sender.value, attachments=ids, agent=agent_name, team=team
                ),
                now,
                conversation_id=conversation.id,
                message_id=message.id,
            )
        topic = conversation_topic(conversation.id)
        uow.after_commit(lambda: self.bus.publish(topic, message.seq))
        if delivered_by_worker:
            uow.after_commit(lambda: self.bus.publish(OUTBOX_TOPIC))
        self.ticket_changed(uow, message.ticket_id)
        return message

    def ticket_changed(self, uow: UnitOfWork, ticket_id: int | None) -> None:
        if ticket_id is not None:
            uow.after_commit(lambda: self.bus.publish(TICKETS_TOPIC, ticket_id))

    # -- tickets ----------------------------------------------------------------------------

    async def open_ticket(
        self,
        uow: UnitOfWork,
        conversation: Conversation,
        customer: Customer,
        description: str,
        prediction: Prediction,
        *,
        save_conversation: bool = True,
        bot_answers: bool = False,
    ) -> Ticket:
        """Open a ticket on ``conversation`` (saved unless the caller saves it later); with
        ``bot_answers`` the bot's reply time goes in with the ticket (no second UPDATE)."""
        now = self.clock()
        ticket = Ticket(
            id=0,
            conversation_id=conversation.id,
            customer_id=customer.id,
            channel=conversation.channel,
            description=description,
            type=prediction.type,
            priority=prediction.priority,
            intent=prediction.intent,
            confidence=round(float(prediction.confidence), 4),
            status=TicketStatus.NEW,
            team=prediction.team,
            created_at=now,
            updated_at=now,
            first_response_due=self.sla.first_response_due(prediction.priority, now),
            resolution_due=self.sla.resolution_due(prediction.priority, now),
            bot_first_response_at=now if bot_answers else None,
        )
        await uow.tickets.add(ticket)
        await link_follow_up(uow, ticket, conversation.ticket_id)  # after a closed one
        conversation.ticket_id = ticket.id
        if save_conversation:
            await uow.conversations.save(conversation, now)
        await uow.events.add(
            TicketEvent(
                ticket_id=ticket.id,
                actor="bot",
                kind="created",
                new=TicketStatus.NEW.value,
                detail=f"type={ticket.type.value} priority={ticket.priority.value} "
                f"intent={ticket.intent} confidence={ticket.confidence:.2f}"
                + (f" urgency={','.join(prediction.urgency)}" if prediction.urgency else ""),
                created_at=now,
            )
        )
        self.ticket_changed(uow, ticket.id)
        return ticket

    async def transition(
        self,
        uow: UnitOfWork,
        ticket: Ticket,
        action: TicketAction,
        actor: str,
        detail: str | None = None,
    ) -> Ticket:
        """Move ``ticket`` by ``action`` (raising InvalidTransition if illegal) and audit it."""
        now = self.clock()
        old = ticket.status
        ticket.status = next_status(old, action)
        ticket.updated_at = now
        if ticket.status is TicketStatus.RESOLVED:
            ticket.resolved_at = now
        elif ticket.status is TicketStatus.CLOSED:
            ticket.closed_at = now
        elif old is TicketStatus.RESOLVED:  # reopened
            ticket.resolved_at = None
        await uow.tickets.save(ticket)
        await uow.events.add(
            TicketEvent(
                ticket_id=ticket.id,
                actor=actor,
                kind=f"status:{action.value}",
                old=old.value,
                new=ticket.status.value,
                detail=detail,
                created_at=now,
            )
        )
        self.ticket_changed(uow, ticket.id)
        return ticket

    async def uow_save_conversation(self, uow: UnitOfWork, conversation: Conversation) -> None:
        await uow.conversations.save(conversation, self.clock())

    async def reopen(self, uow: UnitOfWork, ticket: Ticket, actor: str, reason: str) -> Ticket:
        """Reopen a resolved ticket: back to its agent if it had one, else to the queue."""
        await self.transition(uow, ticket, TicketAction.REOPEN, actor, detail=reason)
        if ticket.assignee_id is None:
            await self.transition(uow, ticket, TicketAction.UNASSIGN, actor, detail=reason)
        return ticket

    async def record_first_response(self, uow: UnitOfWork, ticket: Ticket) -> None:
        """The team's first reply: an agent's, or the bot's when it fulfils the request."""
        if ticket.first_response_at is None:
            ticket.first_response_at = self.clock()
            await uow.tickets.save(ticket)

    async def record_bot_response(
        self, uow: UnitOfWork, ticket: Ticket, *, fulfilling: bool = False
    ) -> None:
        """The bot's first reply on the ticket, reported apart from the team's first response
        (``bot_first_response_time``, docs/metrics.md); when the bot fulfils the request itself
        (``fulfilling``), its reply is the team's first response too."""
        if ticket.bot_first_response_at is None:
            ticket.bot_first_response_at = self.clock()
            await uow.tickets.save(ticket)
        if fulfilling:
            await self.record_first_response(uow, ticket)

    async def hand_off(
        self,
        uow: UnitOfWork,
        conversation: Conversation,
        ticket: Ticket,
        reason: str,
        *,
        customer: Customer | None = None,
    ) -> None:
        """Put the conversation in the agents' queue; the bot stays silent from now on, but for
        asking a customer it does not know yet for a name and email (``service/identity.py``).

        ``customer`` (the conversation's, when the caller has it) spares a read for routing.
        """
        now = self.clock()
        old = conversation.move(ConversationAction.HAND_OFF)
        if customer is None or customer.id != conversation.customer_id:
            customer = await uow.customers.get(conversation.customer_id)
        question = await identity_question(uow, conversation, ticket, customer)
        conversation.dialogue = question
        await uow.conversations.save(conversation, now)
        new = conversation.state.value
        await uow.events.add(TicketEvent(ticket.id, "bot", "handoff", old.value, new, reason, now))
        if self.router is not None and ticket.status.is_open:
            await self.router.route(uow, self, ticket, customer.language)
        if question is not None:  # after the hand-off's own words
            await self.say(uow, conversation, question_text(question), language=customer.language)
        self.ticket_changed(uow, ticket.id)

    async def take_over(
        self,
        uow: UnitOfWork,
        ticket: Ticket,
        actor: str,
        detail: str | None,
        now: datetime,
        *,
        joined: str | None = None,
    ) -> None:
        """An agent takes the ticket's conversation from the bot or the queue; the bot goes
        silent, and with ``joined`` (the agent's name) the customer is told who answers now.
        Nothing changes when the conversation has moved on to another ticket."""
        conversation = await uow.conversations.get(ticket.conversation_id)
        if (
            conversation.ticket_id != ticket.id
            or conversation.state is ConversationState.WITH_AGENT
        ):
            return
        old = conversation.move(ConversationAction.TAKE_OVER)
        conversation.dialogue = None
        await uow.conversations.save(conversation, now)
        if joined:  # the customer is told who answers them from now on
            text = f"{joined} joined the conversation."
            await self.say(uow, conversation, text, sender=SenderKind.SYSTEM)
        new = conversation.state.value
        await uow.events.add(TicketEvent(ticket.id, actor, "takeover", old.value, new, detail, now))

    async def release(self, uow: UnitOfWork, ticket: Ticket, actor: str, now: datetime) -> None:
        """The agents give the ticket's conversation back to the bot (if it is theirs)."""
        conversation = await uow.conversations.get(ticket.conversation_id)
        if conversation.ticket_id != ticket.id or conversation.state not in (
            ConversationState.WITH_AGENT,
            ConversationState.WAITING_FOR_AGENT,
        ):
            return
        old = conversation.move(ConversationAction.RELEASE)
        conversation.dialogue = None
        await uow.conversations.save(conversation, now)
        await uow.events.add(
            TicketEvent(ticket.id, actor, "released", old.value, "with_bot", created_at=now)
        )

    async def hand_back(
        self, uow: UnitOfWork, ticket: Ticket, dialogue: Dialogue | None = None
    ) -> Conversation:
        """The ticket is done (resolved, rejected): its conversation is with the bot again, in
        ``dialogue`` (the CSAT question after a resolution)."""
        conversation = await uow.conversations.get(ticket.conversation_id)
        if conversation.ticket_id == ticket.id:
            conversation.move(ConversationAction.HAND_BACK)
            conversation.dialogue = dialogue
            await uow.conversations.save(conversation, self.clock())
        return conversation

    async def resolve(
        self,
        uow: UnitOfWork,
        ticket: Ticket,
        resolution: str | Text,
        actor: str,
        *,
        auto_fulfilled: bool = False,
        said: Text | None = None,
    ) -> Ticket:
        """Resolve, hand the conversation back to the bot and ask for a CSAT rating.

        The customer reads ``said`` (default: the resolution) in their language; the ticket
        keeps the resolution as written (agents read it)."""
        told: str | Text = said or resolution
        resolution = str(resolution)
        ticket.resolution = resolution
        ticket.auto_fulfilled = auto_fulfilled
        await self.transition(uow, ticket, TicketAction.RESOLVE, actor, detail=resolution)
        round_ = await uow.tickets.bump_resolution_round(ticket.id)
        conversation = await self.hand_back(uow, ticket, CsatPrompt(ticket.id, round_))
        await self.say(
            uow,
            conversation,
            _(
                "Your ticket {ticket} has been resolved: {resolution}\n"
                "How did we do? Please rate us from 1 (very poor) to 5 (excellent). "
                'If the problem is not fixed, just write "not fixed".',
                ticket=format_ticket_id(ticket.id),
                resolution=told,
            ),
            buttons=csat_buttons(ticket.id, round_),
            ticket_id=ticket.id,
        )
        return ticket
