"""The fulfiller interface: what a service request the bot completes by itself must declare.

A fulfiller is declarative about the dialogue (the facts to collect, each with its prompt,
parser and retries; how identity is verified) and imperative only about the action. The
generic :class:`~bot.fulfilment.driver.FulfilmentDriver` runs the conversation: prompts,
validation, cancel and handoff words, one-time codes, timeouts, the audit trail. The action runs
outside any database transaction (it may call the company's systems) and returns an
:class:`Outcome` whose effects (mails, reset links) the driver commits atomically with the reply.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

from models import Button
from models.accounts import Account
from models.texts import Text

if TYPE_CHECKING:
    from .directory import AccountDirectory

EMAIL = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")


class Verification(StrEnum):
    """How a fulfiller makes sure the person in the chat controls the account."""

    RESET_LINK = "reset_link"
    """No code: the action mails a single-use link to the address on file (password reset)."""
    EMAIL_CODE = "email_code"
    """A 6-digit one-time code mailed to the account's address must be typed in the chat
    before any other fact is asked or anything is changed."""


@dataclass(frozen=True, slots=True)
class Fact:
    """Something the bot must learn from the customer.

    ``parse`` returns the normalised value, or None when the answer is not usable; the customer
    then hears ``invalid`` and may try ``retries`` more times before the ticket goes to an
    agent. ``ask_if`` skips the fact unless it holds for the facts gathered so far.
    ``confirm_by_code`` marks an email address that must prove itself: a code is mailed to it
    and has to be typed back before the value counts (a new email address, for instance).
    """

    name: str
    prompt: Text
    parse: Callable[[str], str | None]
    invalid: Text
    retries: int = 2
    ask_if: Callable[[Mapping[str, str]], bool] | None = None
    confirm_by_code: bool = False
    buttons: tuple[Button, ...] = ()
    prefill: bool = False
    """Also look for the value in the customer's opening message (skip asking if found)."""


def parse_email(text: str) -> str | None:
    """The first email address in ``text``, lower-cased."""
    found = EMAIL.search(text)
    return found.group(0).lower().rstrip(".") if found else None


def parse_name(text: str) -> str | None:
    name = " ".join(text.split())
    return name if 1 <= len(name) <= 200 and not EMAIL.search(name) else None


@dataclass(frozen=True, slots=True)
class Mail:
    """A mail the outcome asks to send (through the outbox, with the reply), in the words of
    the catalogs: it is written in the customer's language when it is queued."""

    to: str
    subject: Text
    text: Text


@dataclass(frozen=True, slots=True)
class ResetLinkGrant:
    """A single-use password-reset link to store (hashed) with the reply."""

    token_hash: str
    account_id: str
    expires_at: datetime


class OutcomeKind(StrEnum):
    DONE = "done"  # resolve the ticket, auto-fulfilled
    WAITING = "waiting"  # done on our side; completes when the customer uses a mailed link
    REFUSED = "refused"  # not allowed or not possible: hand to an agent


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the action achieved: the customer's words, the agents' notes and the effects."""

    kind: OutcomeKind
    say: Text  # the customer's words (in their language); ``notes`` are the agents' (English)
    notes: str
    mails: tuple[Mail, ...] = ()
    reset_links: tuple[ResetLinkGrant, ...] = ()
    wait: timedelta | None = None  # WAITING: how long before an agent takes over

    @classmethod
    def done(cls, say: Text, notes: str, mails: tuple[Mail, ...] = ()) -> Outcome:
        return cls(OutcomeKind.DONE, say, notes, mails)

    @classmethod
    def refused(cls, say: Text, notes: str) -> Outcome:
        return cls(OutcomeKind.REFUSED, say, notes)


@dataclass
class ActionContext:
    """Handed to :meth:`Fulfiller.perform`: the verified account and the gathered facts.

    ``account`` is None when no account matches the identity fact; a fulfiller must then
    answer with exactly the words it would use for an existing account (no enumeration).
    """

    account: Account | None
    facts: Mapping[str, str]
    directory: AccountDirectory
    ticket_ref: str
    now: datetime
    base_url: str
    new_reset_link: Callable[[Account], tuple[str, ResetLinkGrant]]
    mails: list[Mail] = field(default_factory=list)


class Fulfiller(Protocol):
    """One kind of service request the bot completes itself (see ``docs/fulfilment.md``)."""

    name: str
    """The catalog's ``fulfiller`` value for the intents this serves."""
    title: str
    """Lower-case words for the request, e.g. "password reset" (used in notes and replies)."""
    verification: Verification
    identity: Fact
    """The fact naming the account: the email address it is registered with."""
    facts: tuple[Fact, ...]
    """What else to collect, after the identity is verified."""

    async def perform(self, ctx: ActionContext) -> Outcome:
        """Do it (outside any transaction). Raise ``DirectoryError`` when the company's system
        fails; the driver then hands off with everything gathered."""
        ...
