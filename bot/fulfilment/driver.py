"""The generic fulfilment dialogue: runs any :class:`~bot.fulfilment.base.Fulfiller`.

It implements the engine's ``DialogueDriver``: the engine starts it on a new ticket whose
prediction names a fulfiller, and hands it every later customer message while the conversation
is with the bot and ``conversation.dialogue["kind"] == "fulfilment"``.

Every turn runs inside the engine's write transaction, so anything slow (the account directory,
which may be the company's HTTP service; the fulfiller's action) runs in a background job after
the commit: the dialogue is marked ``working``, the job runs outside any transaction, then one
write continues the dialogue (reply, mails, reset tokens, resolution or handoff) atomically. A
job whose dialogue moved on in the meantime (the customer cancelled or asked for an agent) is
dropped. A job lost to a crash is caught by the idle check like any stalled dialogue.

The dialogue state (``conversation.dialogue``) is JSON with no secrets: codes are kept only as
salted SHA-256 hashes. Codes, tokens and links never reach the chat or the logs.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from models import (
    Conversation,
    ConversationState,
    Customer,
    OutboxBody,
    Prediction,
    SenderKind,
    Ticket,
    TicketAction,
    TicketEvent,
    format_ticket_id,
)
from models.accounts import Account
from models.texts import Text, _
from service.bus import OUTBOX_TOPIC

from ..dialogue import Turn
from . import secrets as sec
from . import texts
from .base import (
    ActionContext,
    Fact,
    Fulfiller,
    Mail,
    Outcome,
    OutcomeKind,
    ResetLinkGrant,
    Verification,
)
from .directory import AccountDirectory, DirectoryError

if TYPE_CHECKING:
    from service.desk import Desk
    from store.database import Store
    from store.fulfilment import ResetToken
    from store.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

KIND = "fulfilment"
CANCEL = re.compile(r"^\W*(stop|cancel|quit|abort|never ?mind|forget it)\b", re.IGNORECASE)
HUMAN = re.compile(
    r"\b(agent|human|real person|a person|someone real|operator|representative)\b", re.IGNORECASE
)
CODE = re.compile(r"^\D*(\d[\d\s-]{4,10}\d)\D*$")


@dataclass(frozen=True, slots=True)
class Limits:
    """The verification rules and the idle timeout, in one place."""

    idle_timeout: timedelta = timedelta(minutes=15)
    code_ttl: timedelta = timedelta(minutes=10)
    code_attempts: int = 5
    code_resends: int = 1
    cooldown: timedelta = timedelta(minutes=15)
    reset_link_ttl: timedelta = timedelta(minutes=30)


@dataclass
class _Scope:
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


def _iso(moment: datetime) -> str:
    return moment.isoformat()


def _when(value: object) -> datetime:
    return datetime.fromisoformat(str(value))


class FulfilmentDriver:
    """Drives every fulfiller's dialogue; one instance per process."""

    kind = KIND

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
        self.base_url = base_url.rstrip("/")
        self.limits = limits or Limits()
        self._jobs: set[asyncio.Task[None]] = set()

    # -- lifecycle ------------------------------------------------------------------------------

    async def stop(self) -> None:
        """Cancel the background jobs (directory calls) running now."""
        tasks = list(self._jobs)
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def settle(self) -> None:
        """Wait for the background jobs running now (tests and the scenario bench use it)."""
        while self._jobs:
            await asyncio.gather(*list(self._jobs), return_exceptions=True)

    # -- DialogueDriver -------------------------------------------------------------------------

    def handles(self, prediction: Prediction) -> bool:
        return prediction.fulfiller in self.fulfillers

    async def start(self, turn: Turn) -> None:
        assert turn.prediction is not None and turn.prediction.fulfiller is not None
        fulfiller = self.fulfillers[turn.prediction.fulfiller]
        scope = self._scope(turn)
        state: dict[str, Any] = {
            "kind": KIND,
            "fulfiller": fulfiller.name,
            "phase": "ask",
            "fact": fulfiller.identity.name,
            "facts": {},
            "tries": 0,
            "verified": False,
            "job": 0,
            "resends": 0,
        }
        await self._event(scope, "started", fulfiller.name)
        for fact in (fulfiller.identity, *fulfiller.facts):
            value = fact.parse(turn.message.text) if fact.prefill else None
            if value is not None:
                state["facts"][fact.name] = value
        if fulfiller.identity.name in state["facts"]:
            await self._event(scope, "fact", fulfiller.identity.name)
            await self._after_identity(scope, fulfiller, state)
            return
        await self._ask(scope, fulfiller.identity, state)

    async def on_message(self, turn: Turn) -> None:
        scope = self._scope(turn)
        state = dict(turn.conversation.dialogue or {})
        fulfiller = self.fulfillers.get(str(state.get("fulfiller")))
        await turn.uow.messages.attach_to_ticket(turn.message.id, scope.ticket.id)
        if fulfiller is None or not scope.ticket.status.is_open:
            await self._hand_off(scope, state, "the fulfilment dialogue lost its place", None)
            return
        text = (turn.message.payload or turn.message.text).strip()
        if HUMAN.search(text):
            await self._event(scope, "customer_asked_for_agent")
            await self._hand_off(scope, state, "the customer asked for an agent", _("Of course."))
            return
        if CANCEL.match(text):
            await self._cancel(scope, fulfiller, state)
            return
        phase = state.get("phase")
        if phase == "working":
            await scope.say(texts.WORKING)
        elif phase == "waiting":
            await scope.say(texts.WAITING_FOR_RESET)
        elif phase == "code":
            await self._on_code(scope, fulfiller, state, text)
        else:
            await self._on_fact(scope, fulfiller, state, text)

    # -- collecting facts -----------------------------------------------------------------------

    def _fact(self, fulfiller: Fulfiller, name: str) -> Fact:
        return next(f for f in (fulfiller.identity, *fulfiller.facts) if f.name == name)

    async def _ask(self, scope: _Scope, fact: Fact, state: dict[str, Any]) -> None:
        state.update(phase="ask", fact=fact.name, tries=0)
        await self._save(scope, state)
        await scope.say(fact.prompt, fact.buttons)

    async def _on_fact(
        self, scope: _Scope, fulfiller: Fulfiller, state: dict[str, Any], text: str
    ) -> None:
        fact = self._fact(fulfiller, str(state["fact"]))
        value = fact.parse(text)
        if value is None:
            state["tries"] = int(state.get("tries", 0)) + 1
            await self._event(scope, "invalid", f"{fact.name} (try {state['tries']})")
            if state["tries"] > fact.retries:
                await self._hand_off(
                    scope,
                    state,
                    f"no usable {fact.name} after {state['tries']} tries",
                    _("I'm sorry, I couldn't make sense of that."),
                )
                return
            await self._save(scope, state)
            await scope.say(fact.invalid, fact.buttons)
            return
        state["facts"] = {**state["facts"], fact.name: value}
        await self._event(scope, "fact", fact.name)
        if fact.name == fulfiller.identity.name:
            await self._after_identity(scope, fulfiller, state)
        elif fact.confirm_by_code:
            await self._send_confirmation_code(scope, state, fact, value)
        else:
            await self._next(scope, fulfiller, state)

    async def _next(self, scope: _Scope, fulfiller: Fulfiller, state: dict[str, Any]) -> None:
        facts: Mapping[str, str] = state["facts"]
        for fact in fulfiller.facts:
            if fact.name in facts or (fact.ask_if is not None and not fact.ask_if(facts)):
                continue
            await self._ask(scope, fact, state)
            return
        await self._launch(scope, state, "perform")

    async def _after_identity(
        self, scope: _Scope, fulfiller: Fulfiller, state: dict[str, Any]
    ) -> None:
        if fulfiller.verification is Verification.EMAIL_CODE:
            await self._launch(scope, state, "identify")
        else:
            await self._launch(scope, state, "perform")

    # -- one-time codes -------------------------------------------------------------------------

    def _new_code_state(self, purpose: str, fact: str, address: str) -> tuple[str, dict[str, Any]]:
        code, salt = sec.new_code(), sec.new_salt()
        return code, {
            "purpose": purpose,
            "fact": fact,
            "subject": sec.subject_hash(address),
            "salt": salt,
            "hash": sec.hash_code(code, salt),
            "expires": _iso(self.desk.clock() + self.limits.code_ttl),
            "attempts": 0,
        }

    def _code_mail(self, to: str, code: str, ref: str, why: str) -> Mail:
        minutes = int(self.limits.code_ttl.total_seconds() // 60)
        return Mail(
            to=to,
            subject=f"Your verification code ({ref})",
            text=(
                f"Your verification code is {code}\n\nType it in the support chat to {why} "
                f"({ref}). It expires in {minutes} minutes.\nIf you did not ask for this, ignore "
                "this mail: nothing changes without the code.\n"
            ),
        )

    async def _send_confirmation_code(
        self, scope: _Scope, state: dict[str, Any], fact: Fact, address: str
    ) -> None:
        """Confirm an address given in the chat (e.g. a new email): a code goes *there*."""
        if await self._cooling_down(scope.uow, address):
            await self._hand_off(
                scope,
                state,
                "verification cool-down active for the new address",
                texts.PAUSED,
            )
            return
        code, code_state = self._new_code_state("confirm", fact.name, address)
        await self._mail(scope, self._code_mail(address, code, scope.ref, "confirm this address"))
        state.update(phase="code", code=code_state, tries=0)
        await self._event(scope, "code_sent", f"confirmation of {fact.name}")
        await self._save(scope, state)
        await scope.say(texts.confirmation_sent(int(self.limits.code_ttl.total_seconds() // 60)))

    async def _on_code(
        self, scope: _Scope, fulfiller: Fulfiller, state: dict[str, Any], text: str
    ) -> None:
        code_state = dict(state["code"])
        found = CODE.match(text)
        digits = re.sub(r"\D", "", found.group(1)) if found else ""
        if len(digits) != sec.CODE_DIGITS:
            state["tries"] = int(state.get("tries", 0)) + 1
            if state["tries"] > 2:
                await self._hand_off(
                    scope,
                    state,
                    "no code typed after 3 prompts",
                    _("I'm sorry, I couldn't verify it."),
                )
                return
            await self._save(scope, state)
            await scope.say(texts.TYPE_THE_CODE)
            return
        if self.desk.clock() >= _when(code_state["expires"]):
            await self._event(scope, "code_expired", str(code_state["purpose"]))
            if int(state.get("resends", 0)) >= self.limits.code_resends:
                await self._hand_off(
                    scope,
                    state,
                    "the verification code expired twice",
                    _("That code has expired."),
                )
                return
            state["resends"] = int(state.get("resends", 0)) + 1
            if code_state["purpose"] == "identity":
                await scope.say(texts.EXPIRED_RESENDING)
                await self._launch(scope, state, "identify")
            else:
                fact = self._fact(fulfiller, str(code_state["fact"]))
                await scope.say(texts.EXPIRED_RESENDING)
                await self._send_confirmation_code(
                    scope, state, fact, str(state["facts"][fact.name])
                )
            return
        if sec.code_matches(digits, str(code_state["salt"]), str(code_state["hash"])):
            state.pop("code", None)
            state["tries"] = 0
            if code_state["purpose"] == "identity":
                state["verified"] = True
                email = str(state["facts"][fulfiller.identity.name])
                await scope.uow.fulfilment.link_verified_email(scope.customer.id, email)
                await self._event(scope, "verified", "identity confirmed by a mailed code")
            else:
                await self._event(scope, "confirmed", f"{code_state['fact']} confirmed by a code")
            await self._next(scope, fulfiller, state)
            return
        code_state["attempts"] = int(code_state["attempts"]) + 1
        state["code"] = code_state
        left = self.limits.code_attempts - code_state["attempts"]
        await self._event(
            scope, "code_wrong", f"attempt {code_state['attempts']}/{self.limits.code_attempts}"
        )
        if left <= 0:
            until = self.desk.clock() + self.limits.cooldown
            await scope.uow.fulfilment.set_cooldown(str(code_state["subject"]), until)
            await self._event(scope, "locked", f"cool-down until {_iso(until)}")
            minutes = int(self.limits.cooldown.total_seconds() // 60)
            await self._hand_off(
                scope,
                state,
                f"{self.limits.code_attempts} wrong codes",
                texts.last_attempt(minutes),
            )
            return
        await self._save(scope, state)
        await scope.say(texts.wrong_code(left))

    async def _cooling_down(self, uow: UnitOfWork, address: str) -> bool:
        until = await uow.fulfilment.cooldown_until(sec.subject_hash(address))
        return until is not None and until > self.desk.clock()

    # -- background jobs ------------------------------------------------------------------------

    async def _launch(self, scope: _Scope, state: dict[str, Any], job: str) -> None:
        state.update(phase="working", job=int(state.get("job", 0)) + 1, step=job)
        await self._save(scope, state)
        conversation_id, number = scope.conversation.id, int(state["job"])
        scope.uow.after_commit(lambda: self._spawn(conversation_id, number, job))

    def _spawn(self, conversation_id: int, number: int, job: str) -> None:
        task = asyncio.create_task(
            self._run_job(conversation_id, number, job), name=f"fulfilment-{conversation_id}"
        )
        self._jobs.add(task)
        task.add_done_callback(self._jobs.discard)

    async def _run_job(self, conversation_id: int, number: int, job: str) -> None:
        try:
            conversation = await self.store.read(lambda uow: uow.conversations.get(conversation_id))
            state = dict(conversation.dialogue or {})
            fulfiller = self.fulfillers[str(state["fulfiller"])]
            email = str(state["facts"][fulfiller.identity.name])
            ref = format_ticket_id(int(conversation.ticket_id or 0))
            if job == "identify":
                finish = await self._identify(email, ref)
            else:
                finish = await self._perform(fulfiller, state, email, ref)
        except asyncio.CancelledError:
            raise
        except DirectoryError as exc:
            log.warning("fulfilment job %s on conversation %d: %s", job, conversation_id, exc)
            finish = self._backend_failed(str(exc))
        except Exception:
            log.exception("fulfilment job %s on conversation %d failed", job, conversation_id)
            finish = self._backend_failed("an internal error (logged)")
        try:
            await self.store.write(lambda uow: self._continue(uow, conversation_id, number, finish))
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("could not continue fulfilment on conversation %d", conversation_id)

    async def _identify(self, email: str, ref: str) -> Finish:
        cooling = await self.store.read(
            lambda uow: uow.fulfilment.cooldown_until(sec.subject_hash(email))
        )
        if cooling is not None and cooling > self.desk.clock():

            async def locked(scope: _Scope, state: dict[str, Any]) -> None:
                await self._event(scope, "locked", "cool-down active; no code sent")
                await self._hand_off(
                    scope,
                    state,
                    "verification cool-down active",
                    texts.PAUSED_AFTER_ATTEMPTS,
                )

            return locked
        account = await self.directory.find(email)
        # A code is made either way, so the dialogue is the same with or without an account;
        # without one nobody ever sees it and every attempt fails.
        code, code_state = self._new_code_state("identity", "email", email)
        mail = self._code_mail(account.email, code, ref, "verify it's you") if account else None

        async def send(scope: _Scope, state: dict[str, Any]) -> None:
            if mail is not None:
                await self._mail(scope, mail)
            await self._event(
                scope, "code_sent", "to the account's address" if mail else "no matching account"
            )
            state.update(phase="code", code=code_state, tries=0)
            await self._save(scope, state)
            minutes = int(self.limits.code_ttl.total_seconds() // 60)
            await scope.say(texts.identity_code_sent(minutes))

        return send

    async def _perform(
        self, fulfiller: Fulfiller, state: dict[str, Any], email: str, ref: str
    ) -> Finish:
        account = await self.directory.find(email)
        grants: list[ResetLinkGrant] = []

        def new_reset_link(target: Account) -> tuple[str, ResetLinkGrant]:
            token = sec.new_token()
            grant = ResetLinkGrant(
                sec.hash_token(token), target.id, self.desk.clock() + self.limits.reset_link_ttl
            )
            grants.append(grant)
            return f"{self.base_url}/reset/{token}", grant

        ctx = ActionContext(
            account=account,
            facts=dict(state["facts"]),
            directory=self.directory,
            ticket_ref=ref,
            now=self.desk.clock(),
            base_url=self.base_url,
            new_reset_link=new_reset_link,
        )
        outcome = await fulfiller.perform(ctx)

        async def apply(scope: _Scope, state: dict[str, Any]) -> None:
            await self._apply(scope, fulfiller, state, outcome)

        return apply

    def _backend_failed(self, problem: str) -> Finish:
        async def failed(scope: _Scope, state: dict[str, Any]) -> None:
            await self._event(scope, "backend_error", problem[:300])
            await self._hand_off(
                scope,
                state,
                f"the account system failed: {problem[:200]}",
                _("I'm sorry, I couldn't reach our account system just now."),
            )

        return failed

    async def _continue(
        self, uow: UnitOfWork, conversation_id: int, number: int, finish: Finish
    ) -> None:
        conversation = await uow.conversations.get(conversation_id)
        state = dict(conversation.dialogue or {})
        if (
            conversation.state is not ConversationState.WITH_BOT
            or state.get("kind") != KIND
            or state.get("job") != number
            or state.get("phase") != "working"
            or conversation.ticket_id is None
        ):
            return  # the customer moved on (cancelled, asked for an agent, timed out)
        scope = _Scope(
            uow,
            self.desk,
            conversation,
            await uow.customers.get(conversation.customer_id),
            await uow.tickets.get(conversation.ticket_id),
        )
        await finish(scope, state)

    # -- outcomes -------------------------------------------------------------------------------

    async def _apply(
        self, scope: _Scope, fulfiller: Fulfiller, state: dict[str, Any], outcome: Outcome
    ) -> None:
        for mail in outcome.mails:
            await self._mail(scope, mail)
        now = self.desk.clock()
        for grant in outcome.reset_links:
            await scope.uow.fulfilment.add_reset_token(
                grant.token_hash,
                grant.account_id,
                now,
                grant.expires_at,
                scope.conversation.id,
                scope.ticket.id,
            )
        state["notes"] = [*state.get("notes", []), outcome.notes]
        if outcome.kind is OutcomeKind.DONE:
            await self._event(scope, "done", outcome.notes[:500])
            await scope.say(outcome.say)
            await self._resolve(scope, outcome.notes)
        elif outcome.kind is OutcomeKind.WAITING:
            await self._event(
                scope, "link_sent" if outcome.reset_links else "waiting", outcome.notes[:500]
            )
            state["phase"] = "waiting"
            await self._save(scope, state, until=now + (outcome.wait or self.limits.idle_timeout))
            await scope.say(outcome.say)
        else:
            await self._event(scope, "refused", outcome.notes[:500])
            await self._hand_off(scope, state, f"{fulfiller.title}: {outcome.notes}", outcome.say)

    async def _resolve(self, scope: _Scope, notes: str) -> None:
        await scope.uow.fulfilment.clear_timer(scope.conversation.id)
        await self.desk.resolve(
            scope.uow, scope.ticket, notes, "bot", auto_fulfilled=True, said=texts.DONE
        )

    async def complete_reset(self, uow: UnitOfWork, token: ResetToken, account: Account) -> None:
        """The reset link was used and the password set: finish the dialogue that sent it."""
        if token.ticket_id is None or token.conversation_id is None:
            return
        conversation = await uow.conversations.get(token.conversation_id)
        ticket = await uow.tickets.get(token.ticket_id)
        customer = await uow.customers.get(conversation.customer_id)
        scope = _Scope(uow, self.desk, conversation, customer, ticket)
        await self._event(scope, "password_set", "the new password was set with the mailed link")
        state = conversation.dialogue or {}
        if (
            conversation.state is ConversationState.WITH_BOT
            and conversation.ticket_id == ticket.id
            and state.get("kind") == KIND
            and state.get("phase") == "waiting"
            and ticket.status.is_open
        ):
            await uow.fulfilment.link_verified_email(customer.id, account.email)
            await self._resolve(
                scope,
                "a single-use link was emailed to the address on file and the new password "
                "has been set with it.",
            )
        elif ticket.status.is_open:  # already with an agent: tell them
            await self._note(scope, "The customer has now set a new password with the reset link.")

    # -- endings --------------------------------------------------------------------------------

    async def _hand_off(
        self, scope: _Scope, state: Mapping[str, Any], reason: str, lead: Text | None
    ) -> None:
        """Give the ticket to the agents with everything gathered, and say so plainly."""
        await scope.uow.fulfilment.clear_timer(scope.conversation.id)
        await self._event(scope, "handoff", reason[:500])
        await scope.say(texts.passed_on(scope.ref, lead))
        await self._note(scope, self._summary(state, reason))
        await self.desk.hand_off(scope.uow, scope.conversation, scope.ticket, reason)

    def _summary(self, state: Mapping[str, Any], reason: str) -> str:
        fulfiller = self.fulfillers.get(str(state.get("fulfiller")))
        lines = [
            f"Auto-fulfilment ({fulfiller.title if fulfiller else 'unknown'}) handed over: "
            f"{reason}.",
            f"Identity verified: {'yes' if state.get('verified') else 'no'}.",
        ]
        facts = state.get("facts") or {}
        lines += [f"{name}: {value}" for name, value in facts.items()]
        lines += [f"Note: {n}" for n in state.get("notes") or ()]
        return "\n".join(lines)

    async def _cancel(self, scope: _Scope, fulfiller: Fulfiller, state: dict[str, Any]) -> None:
        await scope.uow.fulfilment.clear_timer(scope.conversation.id)
        await self._event(scope, "cancelled", f"at {state.get('phase')}")
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

    # -- idle check ---------------------------------------------------------------------------

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
        state = dict(conversation.dialogue or {})
        if (
            conversation.state is not ConversationState.WITH_BOT
            or state.get("kind") != KIND
            or conversation.ticket_id is None
        ):
            await uow.fulfilment.clear_timer(conversation_id)
            return False
        deadline = _when(state["deadline"])
        if deadline > now:  # the dialogue moved on since the timer was read
            await uow.fulfilment.set_timer(conversation_id, deadline)
            return False
        scope = _Scope(
            uow,
            self.desk,
            conversation,
            await uow.customers.get(conversation.customer_id),
            await uow.tickets.get(conversation.ticket_id),
        )
        await self._event(scope, "timeout", f"idle at {state.get('phase')}")
        lead = (
            _("I haven't seen a new password being set yet.")
            if state.get("phase") == "waiting"
            else _("I haven't heard from you for a while, so I've paused here.")
        )
        await self._hand_off(scope, state, "the fulfilment dialogue timed out", lead)
        return True

    # -- plumbing -----------------------------------------------------------------------------

    def _scope(self, turn: Turn) -> _Scope:
        if turn.ticket is None:
            raise RuntimeError("a fulfilment dialogue needs a ticket")
        return _Scope(turn.uow, turn.desk, turn.conversation, turn.customer, turn.ticket)

    async def _save(
        self, scope: _Scope, state: dict[str, Any], until: datetime | None = None
    ) -> None:
        deadline = until or (self.desk.clock() + self.limits.idle_timeout)
        state["deadline"] = _iso(deadline)
        scope.conversation.dialogue = dict(state)
        await self.desk.uow_save_conversation(scope.uow, scope.conversation)
        await scope.uow.fulfilment.set_timer(scope.conversation.id, deadline)

    async def _mail(self, scope: _Scope, mail: Mail) -> None:
        await scope.uow.outbox.add(
            "email",
            mail.to,
            OutboxBody(mail.text, subject=mail.subject, ticket=scope.ref),
            self.desk.clock(),
        )
        scope.uow.after_commit(lambda: self.desk.bus.publish(OUTBOX_TOPIC))

    async def _note(self, scope: _Scope, text: str) -> None:
        await self.desk.say(
            scope.uow,
            scope.conversation,
            text,
            internal=True,
            sender=SenderKind.SYSTEM,
            ticket_id=scope.ticket.id,
        )

    async def _event(self, scope: _Scope, step: str, detail: str | None = None) -> None:
        await scope.uow.events.add(
            TicketEvent(
                ticket_id=scope.ticket.id,
                actor="bot",
                kind=f"fulfilment:{step}",
                detail=detail,
                created_at=self.desk.clock(),
            )
        )


Finish = Callable[[_Scope, dict[str, Any]], Any]
"""What a background job decided, applied inside the write that continues the dialogue."""
