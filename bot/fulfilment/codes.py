"""One-time codes of a fulfilment: mailing one (to prove the customer owns the account's
address, or to confirm a new address typed in the chat) and reading what the customer types.

Only the code's salted hash is kept (``models.PendingCode``); the code itself goes only into
the mail. Too many wrong codes start a cool-down for that address.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from models import CodePurpose, Fulfilment, PendingCode, Phase
from models.texts import Text, _

from . import secrets as sec
from . import texts
from .base import Fact, Fulfiller, Mail
from .steps import Scope, Steps

if TYPE_CHECKING:
    from service.unit_of_work import UnitOfWork

CODE = re.compile(r"^\D*(\d[\d\s-]{4,10}\d)\D*$")

Proceed = Callable[[Scope, Fulfiller, Fulfilment], Awaitable[None]]
"""The driver's: carry on collecting facts (or act) once a code matched."""
Launch = Callable[[Scope, Fulfilment, str], Awaitable[None]]
"""The jobs': start a background job (``identify`` mails a new identity code)."""


class Codes:
    """Mails codes and checks them; one per driver."""

    def __init__(self, steps: Steps) -> None:
        self.steps = steps
        self.desk = steps.desk
        self.limits = steps.limits

    def new_code(self, purpose: CodePurpose, fact: str, address: str) -> tuple[str, PendingCode]:
        code, salt = sec.new_code(), sec.new_salt()
        return code, PendingCode(
            purpose=purpose,
            fact=fact,
            subject=sec.subject_hash(address),
            salt=salt,
            hash=sec.hash_code(code, salt),
            expires=self.desk.clock() + self.limits.code_ttl,
        )

    def code_mail(self, to: str, code: str, ref: str, why: Text) -> Mail:
        minutes = int(self.limits.code_ttl.total_seconds() // 60)
        return Mail(
            to=to,
            subject=_("Your verification code ({ref})", ref=ref),
            text=_(
                "Your verification code is {code}\n\nType it in the support chat to {why} "
                "({ref}). It expires in {minutes} minutes.\nIf you did not ask for this, ignore "
                "this mail: nothing changes without the code.\n",
                code=code,
                why=why,
                ref=ref,
                minutes=minutes,
            ),
        )

    async def send_confirmation(
        self, scope: Scope, state: Fulfilment, fact: Fact, address: str
    ) -> None:
        """Confirm an address given in the chat (e.g. a new email): a code goes *there*."""
        if await self.cooling_down(scope.uow, address):
            await self.steps.hand_off(
                scope,
                state,
                "verification cool-down active for the new address",
                texts.PAUSED,
            )
            return
        if not await self.steps.may_mail(scope.uow, scope.conversation, address):
            await self.steps.event(scope, "mail_limit", "too many mails; nothing sent")
            await self.steps.hand_off(scope, state, "mail limit reached", texts.MAIL_LIMIT)
            return
        code, code_state = self.new_code(CodePurpose.CONFIRM, fact.name, address)
        await self.steps.mail(
            scope, self.code_mail(address, code, scope.ref, _("confirm this address"))
        )
        state = replace(state, phase=Phase.CODE, code=code_state, tries=0)
        await self.steps.event(scope, "code_sent", f"confirmation of {fact.name}")
        await self.steps.save(scope, state)
        await scope.say(texts.confirmation_sent(int(self.limits.code_ttl.total_seconds() // 60)))

    async def on_code(
        self,
        scope: Scope,
        fulfiller: Fulfiller,
        state: Fulfilment,
        text: str,
        proceed: Proceed,
        launch: Launch,
    ) -> None:
        """The customer typed (or did not type) the code: on to ``proceed`` when it matches,
        a new one (identity codes: ``launch`` the job again) when it expired, a cool-down
        after too many wrong ones."""
        code_state = state.code
        if code_state is None:
            await self.steps.hand_off(scope, state, "the fulfilment dialogue lost its code", None)
            return
        found = CODE.match(text)
        digits = re.sub(r"\D", "", found.group(1)) if found else ""
        if len(digits) != sec.CODE_DIGITS:
            state = replace(state, tries=state.tries + 1)
            if state.tries > 2:
                await self.steps.hand_off(
                    scope,
                    state,
                    "no code typed after 3 prompts",
                    _("I'm sorry, I couldn't verify it."),
                )
                return
            await self.steps.save(scope, state)
            await scope.say(texts.TYPE_THE_CODE)
            return
        if self.desk.clock() >= code_state.expires:
            await self.steps.event(scope, "code_expired", code_state.purpose.value)
            if state.resends >= self.limits.code_resends:
                await self.steps.hand_off(
                    scope,
                    state,
                    "the verification code expired twice",
                    _("That code has expired."),
                )
                return
            state = replace(state, resends=state.resends + 1)
            if code_state.purpose is CodePurpose.IDENTITY:
                await scope.say(texts.EXPIRED_RESENDING)
                await launch(scope, state, "identify")
            else:
                fact = self.steps.fact(fulfiller, code_state.fact)
                await scope.say(texts.EXPIRED_RESENDING)
                await self.send_confirmation(scope, state, fact, state.facts[fact.name])
            return
        if sec.code_matches(digits, code_state.salt, code_state.hash):
            state = replace(state, code=None, tries=0)
            if code_state.purpose is CodePurpose.IDENTITY:
                state = replace(state, verified=True)
                email = state.facts[fulfiller.identity.name]
                await scope.uow.fulfilment.link_verified_email(scope.customer.id, email)
                await self.steps.event(scope, "verified", "identity confirmed by a mailed code")
            else:
                await self.steps.event(scope, "confirmed", f"{code_state.fact} confirmed by a code")
            await proceed(scope, fulfiller, state)
            return
        code_state = replace(code_state, attempts=code_state.attempts + 1)
        state = replace(state, code=code_state)
        left = self.limits.code_attempts - code_state.attempts
        await self.steps.event(
            scope, "code_wrong", f"attempt {code_state.attempts}/{self.limits.code_attempts}"
        )
        if left <= 0:
            until = self.desk.clock() + self.limits.cooldown
            await scope.uow.fulfilment.set_cooldown(code_state.subject, until)
            await self.steps.event(scope, "locked", f"cool-down until {until.isoformat()}")
            minutes = int(self.limits.cooldown.total_seconds() // 60)
            await self.steps.hand_off(
                scope,
                state,
                f"{self.limits.code_attempts} wrong codes",
                texts.last_attempt(minutes),
            )
            return
        await self.steps.save(scope, state)
        await scope.say(texts.wrong_code(left))

    async def cooling_down(self, uow: UnitOfWork, address: str) -> bool:
        until = await uow.fulfilment.cooldown_until(sec.subject_hash(address))
        return until is not None and until > self.desk.clock()
