"""What every step of a fulfilment dialogue shares: the limits, the conversation being
continued (:class:`Scope`), saving the dialogue with its idle deadline, mails, notes and audit
events, and the two endings it can reach on its own (resolved, or handed to an agent with
everything gathered)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from models import (
    Conversation,
    Customer,
    Fulfilment,
    OutboxBody,
    SenderKind,
    Ticket,
    TicketEvent,
    format_ticket_id,
)
from models.texts import Text
from service.bus import OUTBOX_TOPIC
from service.i18n import Translator

from ..dialogue import Turn
from . import texts
from .base import Fact, Fulfiller, Mail
from .secrets import subject_hash

if TYPE_CHECKING:
    from service.desk import Desk
    from service.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class Limits:
    """The verification rules and the idle timeout, in one place."""

    idle_timeout: timedelta = timedelta(minutes=15)
    code_ttl: timedelta = timedelta(minutes=10)
    code_attempts: int = 5
    code_resends: int = 1
    cooldown: timedelta = timedelta(minutes=15)
    reset_link_ttl: timedelta = timedelta(minutes=30)
    mails_per_address_per_hour: int = 5  # codes and links to one address; 0 = no limit
    mails_per_ip_per_hour: int = 10  # mailed on behalf of one web-chat client address; 0 = none


@dataclass
class Scope:
    """The conversation being continued, inside one unit of work (a turn or a job's ending)."""

    uow: UnitOfWork
    desk: Desk
    conversation: Conversation
    customer: Customer
    ticket: Ticket

    @property
    def ref(self) -> str:
        return format_ticket_id(self.ticket.id)

    async def say(self, text: Text, buttons: Sequence[Any] = ()) -> None:
        await self.desk.say(
            self.uow,
            self.conversation,
            text,
            buttons=tuple(buttons),
            language=self.customer.language,
        )


class Steps:
    """The shared steps, bound to the desk, the fulfillers and the limits."""

    def __init__(self, desk: Desk, fulfillers: Mapping[str, Fulfiller], limits: Limits) -> None:
        self.desk = desk
        self.fulfillers = fulfillers
        self.limits = limits

    async def hand_off(
        self, scope: Scope, state: Fulfilment | None, reason: str, lead: Text | None
    ) -> None:
        """Give the ticket to the agents with everything gathered, and say so plainly."""
        await scope.uow.fulfilment.clear_timer(scope.conversation.id)
        await self.event(scope, "handoff", reason[:500])
        await scope.say(texts.passed_on(scope.ref, lead))
        await self.note(scope, self.summary(state, reason))
        await self.desk.hand_off(scope.uow, scope.conversation, scope.ticket, reason)

    def summary(self, state: Fulfilment | None, reason: str) -> str:
        fulfiller = self.fulfillers.get(state.fulfiller) if state else None
        lines = [
            f"Auto-fulfilment ({fulfiller.title if fulfiller else 'unknown'}) handed over: "
            f"{reason}.",
            f"Identity verified: {'yes' if state and state.verified else 'no'}.",
        ]
        if state is not None:
            lines += [f"{name}: {value}" for name, value in state.facts.items()]
            lines += [f"Note: {n}" for n in state.notes]
        return "\n".join(lines)

    async def resolve(self, scope: Scope, notes: str) -> None:
        await scope.uow.fulfilment.clear_timer(scope.conversation.id)
        await self.desk.resolve(
            scope.uow, scope.ticket, notes, "bot", auto_fulfilled=True, said=texts.DONE
        )

    async def save(self, scope: Scope, state: Fulfilment, until: datetime | None = None) -> None:
        deadline = until or (self.desk.clock() + self.limits.idle_timeout)
        scope.conversation.dialogue = replace(state, deadline=deadline)
        await self.desk.uow_save_conversation(scope.uow, scope.conversation)
        await scope.uow.fulfilment.set_timer(scope.conversation.id, deadline)

    async def may_mail(self, uow: UnitOfWork, conversation: Conversation, address: str) -> bool:
        """Whether one more code or link may go to ``address`` for this visitor: at most
        ``mails_per_address_per_hour`` to one address, ``mails_per_ip_per_hour`` on behalf of
        one web-chat client address. Counted for the address the customer typed whether or not
        an account has it, so the answer never tells which addresses exist."""
        now, hour = self.desk.clock(), timedelta(hours=1)
        to = await uow.limits.hit(f"mail:to:{subject_hash(address)}", now, hour)
        over = to.over(self.limits.mails_per_address_per_hour)
        if conversation.client:
            sent_for = await uow.limits.hit(f"mail:ip:{conversation.client}", now, hour)
            over = sent_for.over(self.limits.mails_per_ip_per_hour) or over
        return not over

    async def mail(self, scope: Scope, mail: Mail) -> None:
        """Queue ``mail`` in the customer's language (that of the chat that asked for it)."""
        words = Translator(scope.customer.language)
        body = OutboxBody(words.text(mail.text), subject=words.text(mail.subject), ticket=scope.ref)
        await scope.uow.outbox.add("email", mail.to, body, self.desk.clock())
        scope.uow.after_commit(lambda: self.desk.bus.publish(OUTBOX_TOPIC))

    async def note(self, scope: Scope, text: str) -> None:
        await self.desk.say(
            scope.uow,
            scope.conversation,
            text,
            internal=True,
            sender=SenderKind.SYSTEM,
            ticket_id=scope.ticket.id,
        )

    async def event(self, scope: Scope, step: str, detail: str | None = None) -> None:
        await scope.uow.events.add(
            TicketEvent(
                ticket_id=scope.ticket.id,
                actor="bot",
                kind=f"fulfilment:{step}",
                detail=detail,
                created_at=self.desk.clock(),
            )
        )

    def fact(self, fulfiller: Fulfiller, name: str) -> Fact:
        return next(f for f in (fulfiller.identity, *fulfiller.facts) if f.name == name)

    async def scope_at(self, uow: UnitOfWork, conversation: Conversation, ticket_id: int) -> Scope:
        """The scope of a dialogue continued outside a turn (a job's ending, the idle check)."""
        customer = await uow.customers.get(conversation.customer_id)
        return Scope(uow, self.desk, conversation, customer, await uow.tickets.get(ticket_id))

    def scope_of(self, turn: Turn) -> Scope:
        if turn.ticket is None:
            raise RuntimeError("a fulfilment dialogue needs a ticket")
        return Scope(turn.uow, turn.desk, turn.conversation, turn.customer, turn.ticket)
