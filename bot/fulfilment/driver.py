"""The generic fulfilment dialogue: runs any :class:`~bot.fulfilment.base.Fulfiller`.

It implements the engine's ``TicketDriver`` (``bot/dialogue.py``): the engine starts it on a
new ticket whose prediction names a fulfiller, and hands it every later customer message while
the conversation is with the bot and ``conversation.dialogue`` is a :class:`~models.Fulfilment`.

This module collects the facts, and handles "agent", "cancel", the reset link being used and
the idle check; one-time codes are ``codes.py``, the slow work (the account directory, the
fulfiller's action) runs as background jobs (``jobs.py``), and what every step shares is in
``steps.py``.

The dialogue state (``conversation.dialogue``, a frozen ``Fulfilment``) holds no secrets: codes
are kept only as salted SHA-256 hashes. Codes, tokens and links never reach the chat or the logs.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from models import ConversationState, Fulfilment, Phase, Prediction, TicketAction
from models.accounts import Account
from models.texts import _

from ..dialogue import Turn
from . import texts
from .base import Fact, Fulfiller, Verification
from .codes import Codes
from .directory import AccountDirectory
from .jobs import Jobs
from .steps import Limits, Scope, Steps

if TYPE_CHECKING:
    from service.desk import Desk
    from service.unit_of_work import UnitOfWork
    from store.database import Store
    from store.fulfilment import ResetToken

__all__ = ["FulfilmentDriver", "Limits"]

CANCEL = re.compile(r"^\W*(stop|cancel|quit|abort|never ?mind|forget it)\b", re.IGNORECASE)
HUMAN = re.compile(
    r"\b(agent|human|real person|a person|someone real|operator|representative)\b", re.IGNORECASE
)


class FulfilmentDriver:
    """Drives every fulfiller's dialogue; one instance per process."""

    dialogues = (Fulfilment,)

    def __init__(
        self,
        store: Store,
        desk: Desk,
        directory: AccountDirectory,
        fulfillers: Sequence[Fulfiller],
        *,
        base_url: str,
        limits: Limits | None = None,
    ) -> None:
        self.store = store
        self.desk = desk
        self.directory = directory
        self.fulfillers = {f.name: f for f in fulfillers}
        self.limits = limits or Limits()
        self.steps = Steps(desk, self.fulfillers, self.limits)
        self.codes = Codes(self.steps)
        self.jobs = Jobs(store, self.steps, self.codes, directory, base_url.rstrip("/"))

    async def stop(self) -> None:
        """Cancel the background jobs (directory calls) running now."""
        await self.jobs.stop()

    async def settle(self) -> None:
        """Wait for the background jobs running now (tests and the scenario bench use it)."""
        await self.jobs.settle()

    # -- the engine's TicketDriver ------------------------------------------------------------

    def handles(self, prediction: Prediction) -> bool:
        return prediction.fulfiller in self.fulfillers

    async def start(self, turn: Turn) -> None:
        assert turn.prediction is not None and turn.prediction.fulfiller is not None
        fulfiller = self.fulfillers[turn.prediction.fulfiller]
        scope = self.steps.scope_of(turn)
        facts: dict[str, str] = {}
        await self.steps.event(scope, "started", fulfiller.name)
        for fact in (fulfiller.identity, *fulfiller.facts):
            value = fact.parse(turn.message.text) if fact.prefill else None
            if value is not None:
                facts[fact.name] = value
        state = Fulfilment(fulfiller.name, Phase.ASK, fulfiller.identity.name, facts)
        if fulfiller.identity.name in state.facts:
            await self.steps.event(scope, "fact", fulfiller.identity.name)
            await self._after_identity(scope, fulfiller, state)
            return
        await self._ask(scope, fulfiller.identity, state)

    async def on_button(self, turn: Turn, payload: str) -> bool:
        return await self.on_text(turn)  # a fact's buttons answer like typed text

    async def on_text(self, turn: Turn) -> bool:
        await self._continue_turn(turn)
        return True

    async def _continue_turn(self, turn: Turn) -> None:
        scope = self.steps.scope_of(turn)
        state = turn.conversation.dialogue
        fulfiller = self.fulfillers.get(state.fulfiller) if isinstance(state, Fulfilment) else None
        await turn.uow.messages.attach_to_ticket(turn.message.id, scope.ticket.id)
        if not isinstance(state, Fulfilment):
            await self.steps.hand_off(scope, None, "the fulfilment dialogue lost its place", None)
            return
        if fulfiller is None or not scope.ticket.status.is_open:
            await self.steps.hand_off(scope, state, "the fulfilment dialogue lost its place", None)
            return
        text = (turn.message.payload or turn.message.text).strip()
        if HUMAN.search(text):
            await self.steps.event(scope, "customer_asked_for_agent")
            await self.steps.hand_off(
                scope, state, "the customer asked for an agent", _("Of course.")
            )
            return
        if CANCEL.match(text):
            await self._cancel(scope, fulfiller, state)
            return
        phase = state.phase
        if phase is Phase.WORKING:
            await scope.say(texts.WORKING)
        elif phase is Phase.WAITING:
            await scope.say(texts.WAITING_FOR_RESET)
        elif phase is Phase.CODE:
            await self.codes.on_code(scope, fulfiller, state, text, self._next, self.jobs.launch)
        else:
            await self._on_fact(scope, fulfiller, state, text)

    async def _ask(self, scope: Scope, fact: Fact, state: Fulfilment) -> None:
        await self.steps.save(scope, replace(state, phase=Phase.ASK, fact=fact.name, tries=0))
        await scope.say(fact.prompt, fact.buttons)

    async def _on_fact(
        self, scope: Scope, fulfiller: Fulfiller, state: Fulfilment, text: str
    ) -> None:
        fact = self.steps.fact(fulfiller, state.fact)
        value = fact.parse(text)
        if value is None:
            state = replace(state, tries=state.tries + 1)
            await self.steps.event(scope, "invalid", f"{fact.name} (try {state.tries})")
            if state.tries > fact.retries:
                await self.steps.hand_off(
                    scope,
                    state,
                    f"no usable {fact.name} after {state.tries} tries",
                    _("I'm sorry, I couldn't make sense of that."),
                )
                return
            await self.steps.save(scope, state)
            await scope.say(fact.invalid, fact.buttons)
            return
        state = replace(state, facts={**state.facts, fact.name: value})
        await self.steps.event(scope, "fact", fact.name)
        if fact.name == fulfiller.identity.name:
            await self._after_identity(scope, fulfiller, state)
        elif fact.confirm_by_code:
            await self.codes.send_confirmation(scope, state, fact, value)
        else:
            await self._next(scope, fulfiller, state)

    async def _next(self, scope: Scope, fulfiller: Fulfiller, state: Fulfilment) -> None:
        facts: Mapping[str, str] = state.facts
        for fact in fulfiller.facts:
            if fact.name in facts or (fact.ask_if is not None and not fact.ask_if(facts)):
                continue
            await self._ask(scope, fact, state)
            return
        await self.jobs.launch(scope, state, "perform")

    async def _after_identity(self, scope: Scope, fulfiller: Fulfiller, state: Fulfilment) -> None:
        if fulfiller.verification is Verification.EMAIL_CODE:
            await self.jobs.launch(scope, state, "identify")
        else:
            await self.jobs.launch(scope, state, "perform")

    async def _cancel(self, scope: Scope, fulfiller: Fulfiller, state: Fulfilment) -> None:
        await scope.uow.fulfilment.clear_timer(scope.conversation.id)
        await self.steps.event(scope, "cancelled", f"at {state.phase.value}")
        scope.ticket.resolution = "Cancelled by the customer; nothing was changed."
        await self.desk.transition(
            scope.uow,
            scope.ticket,
            TicketAction.RESOLVE,
            "customer",
            detail=f"{fulfiller.title} cancelled by the customer",
        )
        await self.desk.transition(scope.uow, scope.ticket, TicketAction.CLOSE, "bot")
        scope.conversation.dialogue = None
        await self.desk.uow_save_conversation(scope.uow, scope.conversation)
        await scope.say(texts.cancelled(scope.ref))

    async def complete_reset(self, uow: UnitOfWork, token: ResetToken, account: Account) -> None:
        """The reset link was used and the password set: finish the dialogue that sent it."""
        if token.ticket_id is None or token.conversation_id is None:
            return
        conversation = await uow.conversations.get(token.conversation_id)
        ticket = await uow.tickets.get(token.ticket_id)
        customer = await uow.customers.get(conversation.customer_id)
        scope = Scope(uow, self.desk, conversation, customer, ticket)
        await self.steps.event(
            scope, "password_set", "the new password was set with the mailed link"
        )
        state = conversation.dialogue
        if (
            conversation.state is ConversationState.WITH_BOT
            and conversation.ticket_id == ticket.id
            and isinstance(state, Fulfilment)
            and state.phase is Phase.WAITING
            and ticket.status.is_open
        ):
            await uow.fulfilment.link_verified_email(customer.id, account.email)
            await self.steps.resolve(
                scope,
                "a single-use link was emailed to the address on file and the new password "
                "has been set with it.",
            )
        elif ticket.status.is_open:  # already with an agent: tell them
            await self.steps.note(
                scope, "The customer has now set a new password with the reset link."
            )

    async def expire_idle(self) -> int:
        """Hand every fulfilment dialogue past its deadline to an agent. Returns how many."""
        now = self.desk.clock()
        due = await self.store.read(lambda uow: uow.fulfilment.due_timers(now))
        expired = 0
        for conversation_id in due:

            async def expire(uow: UnitOfWork, cid: int = conversation_id) -> bool:
                return await self._expire(uow, cid, now)

            expired += int(await self.store.write(expire))
        return expired

    async def _expire(self, uow: UnitOfWork, conversation_id: int, now: datetime) -> bool:
        conversation = await uow.conversations.get(conversation_id)
        state = conversation.dialogue
        if (
            conversation.state is not ConversationState.WITH_BOT
            or not isinstance(state, Fulfilment)
            or conversation.ticket_id is None
        ):
            await uow.fulfilment.clear_timer(conversation_id)
            return False
        deadline = state.deadline or now
        if deadline > now:  # the dialogue moved on since the timer was read
            await uow.fulfilment.set_timer(conversation_id, deadline)
            return False
        scope = await self.steps.scope_at(uow, conversation, conversation.ticket_id)
        await self.steps.event(scope, "timeout", f"idle at {state.phase.value}")
        lead = (
            _("I haven't seen a new password being set yet.")
            if state.phase is Phase.WAITING
            else _("I haven't heard from you for a while, so I've paused here.")
        )
        await self.steps.hand_off(scope, state, "the fulfilment dialogue timed out", lead)
        return True
