"""A fulfilment's background jobs: what is too slow for the engine's write transaction (the
account directory, which may be the company's HTTP service; the fulfiller's action).

``launch`` marks the dialogue ``working`` and starts the job once the turn commits; the job
runs outside any transaction and returns a :data:`Finish`, which one write then applies
(reply, mails, reset tokens, resolution or hand-off) if the dialogue is still where the job
left it. A job whose dialogue moved on (the customer cancelled, asked for an agent, timed out)
is dropped; one lost to a crash is caught by the idle check like any stalled dialogue.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from models import CodePurpose, ConversationState, Fulfilment, Phase, format_ticket_id
from models.accounts import Account
from models.texts import _

from . import secrets as sec
from . import texts
from .base import ActionContext, Fulfiller, Outcome, OutcomeKind, ResetLinkGrant, Verification
from .codes import Codes
from .directory import AccountDirectory, DirectoryError
from .steps import Scope, Steps

if TYPE_CHECKING:
    from store.database import Store
    from store.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

Finish = Callable[[Scope, Fulfilment], Any]
"""What a background job decided, applied inside the write that continues the dialogue."""


class Jobs:
    """Starts, runs and finishes the background jobs of every fulfilment dialogue."""

    def __init__(
        self, store: Store, steps: Steps, codes: Codes, directory: AccountDirectory, base_url: str
    ) -> None:
        self.store = store
        self.steps = steps
        self.codes = codes
        self.directory = directory
        self.base_url = base_url
        self.desk = steps.desk
        self.limits = steps.limits
        self.fulfillers = steps.fulfillers
        self._jobs: set[asyncio.Task[None]] = set()

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

    async def launch(self, scope: Scope, state: Fulfilment, job: str) -> None:
        state = replace(state, phase=Phase.WORKING, job=state.job + 1, step=job)
        await self.steps.save(scope, state)
        conversation_id, number = scope.conversation.id, state.job
        scope.uow.after_commit(lambda: self._spawn(conversation_id, number, job))

    def _spawn(self, conversation_id: int, number: int, job: str) -> None:
        task = asyncio.create_task(
            self._run(conversation_id, number, job), name=f"fulfilment-{conversation_id}"
        )
        self._jobs.add(task)
        task.add_done_callback(self._jobs.discard)

    async def _run(self, conversation_id: int, number: int, job: str) -> None:
        try:
            conversation = await self.store.read(lambda uow: uow.conversations.get(conversation_id))
            state = conversation.dialogue
            if not isinstance(state, Fulfilment):
                return  # the customer moved on before the job started
            fulfiller = self.fulfillers[state.fulfiller]
            email = state.facts[fulfiller.identity.name]
            ref = format_ticket_id(int(conversation.ticket_id or 0))
            if job == "identify":
                finish = await self._identify(email, ref)
            elif fulfiller.verification is Verification.RESET_LINK and not await self.store.write(
                lambda uow: self.steps.may_mail(uow, conversation, email)
            ):
                finish = self._mail_limited()  # before anything is mailed or asked for
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

            async def locked(scope: Scope, state: Fulfilment) -> None:
                await self.steps.event(scope, "locked", "cool-down active; no code sent")
                await self.steps.hand_off(
                    scope,
                    state,
                    "verification cool-down active",
                    texts.PAUSED_AFTER_ATTEMPTS,
                )

            return locked
        account = await self.directory.find(email)
        # A code is made either way, so the dialogue is the same with or without an account;
        # without one nobody ever sees it and every attempt fails.
        code, code_state = self.codes.new_code(CodePurpose.IDENTITY, "email", email)
        mail = (
            self.codes.code_mail(account.email, code, ref, _("verify it's you"))
            if account
            else None
        )

        async def send(scope: Scope, state: Fulfilment) -> None:
            if not await self.steps.may_mail(scope.uow, scope.conversation, email):
                await self._mail_limited()(scope, state)  # the same words, account or not
                return
            if mail is not None:
                await self.steps.mail(scope, mail)
            await self.steps.event(
                scope, "code_sent", "to the account's address" if mail else "no matching account"
            )
            await self.steps.save(scope, replace(state, phase=Phase.CODE, code=code_state, tries=0))
            minutes = int(self.limits.code_ttl.total_seconds() // 60)
            await scope.say(texts.identity_code_sent(minutes))

        return send

    async def _perform(
        self, fulfiller: Fulfiller, state: Fulfilment, email: str, ref: str
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
            facts=dict(state.facts),
            directory=self.directory,
            ticket_ref=ref,
            now=self.desk.clock(),
            base_url=self.base_url,
            new_reset_link=new_reset_link,
        )
        outcome = await fulfiller.perform(ctx)

        async def apply(scope: Scope, state: Fulfilment) -> None:
            await self._apply(scope, fulfiller, state, outcome)

        return apply

    def _mail_limited(self) -> Finish:
        async def limited(scope: Scope, state: Fulfilment) -> None:
            await self.steps.event(scope, "mail_limit", "too many mails; nothing sent")
            await self.steps.hand_off(scope, state, "mail limit reached", texts.MAIL_LIMIT)

        return limited

    def _backend_failed(self, problem: str) -> Finish:
        async def failed(scope: Scope, state: Fulfilment) -> None:
            await self.steps.event(scope, "backend_error", problem[:300])
            await self.steps.hand_off(
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
        state = conversation.dialogue
        if (
            conversation.state is not ConversationState.WITH_BOT
            or not isinstance(state, Fulfilment)
            or state.job != number
            or state.phase is not Phase.WORKING
            or conversation.ticket_id is None
        ):
            return  # the customer moved on (cancelled, asked for an agent, timed out)
        scope = await self.steps.scope_at(uow, conversation, conversation.ticket_id)
        await finish(scope, state)

    async def _apply(
        self, scope: Scope, fulfiller: Fulfiller, state: Fulfilment, outcome: Outcome
    ) -> None:
        for mail in outcome.mails:
            await self.steps.mail(scope, mail)
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
        state = replace(state, notes=(*state.notes, outcome.notes))
        if outcome.kind is OutcomeKind.DONE:
            await self.steps.event(scope, "done", outcome.notes[:500])
            await scope.say(outcome.say)
            await self.steps.resolve(scope, outcome.notes)
        elif outcome.kind is OutcomeKind.WAITING:
            await self.steps.event(
                scope, "link_sent" if outcome.reset_links else "waiting", outcome.notes[:500]
            )
            until = now + (outcome.wait or self.limits.idle_timeout)
            await self.steps.save(scope, replace(state, phase=Phase.WAITING), until=until)
            await scope.say(outcome.say)
        else:
            await self.steps.event(scope, "refused", outcome.notes[:500])
            await self.steps.hand_off(
                scope, state, f"{fulfiller.title}: {outcome.notes}", outcome.say
            )
