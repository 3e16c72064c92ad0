"""The four fulfillers Frontdesk ships: password reset, account details, team members, features.

Each is a small declaration (facts, verification) plus its action. Words shown to customers never
depend on whether an account exists before the customer has proven control of its mailbox.
"""

from __future__ import annotations

import re
from datetime import timedelta

from models import Button
from models.accounts import AccountRole
from models.texts import N_, Text, _

from .base import (
    ActionContext,
    Fact,
    Fulfiller,
    Mail,
    Outcome,
    OutcomeKind,
    Verification,
    parse_email,
    parse_name,
)
from .entitlements import Entitlements

RESET_LINK_TTL = timedelta(minutes=30)


def _account_email(prompt: Text) -> Fact:
    return Fact(
        name="email",
        prompt=prompt,
        parse=parse_email,
        invalid=_(
            "That doesn't look like an email address. Please type the email address you sign "
            "in with, like name@example.com."
        ),
        prefill=True,
    )


class PasswordReset:
    """Mails a single-use, expiring link to the address on file (or asks the company's system
    to send its own reset mail). Nobody is ever told whether the address has an account."""

    name = "password_reset"
    title = "password reset"
    verification = Verification.RESET_LINK
    identity = _account_email(
        _(
            "What is the email address of your account? I'll send a link to set a new password "
            "to the address we have on file."
        )
    )
    facts: tuple[Fact, ...] = ()

    async def perform(self, ctx: ActionContext) -> Outcome:
        email = ctx.facts["email"]
        if ctx.directory.sends_own_reset_mail:
            await ctx.directory.request_password_reset(email, ctx.ticket_ref)
            return Outcome.done(
                _(
                    "If an account exists for that address, our account system has just emailed "
                    "it a link to set a new password. It may take a few minutes to arrive."
                ),
                "The account system was asked to mail a password-reset link to the address "
                "on file.",
            )
        say = _(
            "If an account exists for that address, I've emailed it a link to set a new "
            "password. The link works once and expires in {minutes} minutes. I'll close this "
            "ticket as soon as the new password is set.",
            minutes=_minutes(RESET_LINK_TTL),
        )
        if ctx.account is None:
            return Outcome(
                OutcomeKind.WAITING,
                say,
                "No account matches that address: no mail was sent.",
                wait=RESET_LINK_TTL,
            )
        link, grant = ctx.new_reset_link(ctx.account)
        mail = Mail(
            to=ctx.account.email,
            subject=_("Reset your password ({ref})", ref=ctx.ticket_ref),
            text=_(
                "Hello {name},\n\nYou asked our support assistant to reset your password "
                "({ref}).\nSet a new password here; the link works once and expires in "
                "{minutes} minutes:\n\n{link}\n\nIf you did not ask for this, ignore this "
                "mail: your password stays as it is.\n",
                name=ctx.account.name,
                ref=ctx.ticket_ref,
                minutes=_minutes(RESET_LINK_TTL),
                link=link,
            ),
        )
        return Outcome(
            OutcomeKind.WAITING,
            say,
            "A single-use reset link was mailed to the address on file.",
            mails=(mail,),
            reset_links=(grant,),
            wait=RESET_LINK_TTL,
        )


def _parse_field(text: str) -> str | None:
    lowered = text.lower()
    wants_email = bool(re.search(r"e-?mail|address|adresse|correo|courriel", lowered))
    wants_name = bool(re.search(r"\b(name|nom|nombre)\b", lowered))
    if wants_email == wants_name:
        return None
    return "email" if wants_email else "name"


class AccountUpdate:
    """Changes the account's name or email address after a code to the address on file; a new
    email address must also confirm itself with a second code."""

    name = "account_update"
    title = "account details update"
    verification = Verification.EMAIL_CODE
    identity = _account_email(
        _(
            "What is the email address of your account? I'll send a code there to make sure "
            "it's you."
        )
    )
    facts: tuple[Fact, ...] = (
        Fact(
            name="field",
            prompt=_(
                "You're verified. What would you like to change: your name or your email address?"
            ),
            parse=_parse_field,
            invalid=_('Please answer "name" or "email".'),
            buttons=(Button(N_("Name"), "name"), Button(N_("Email address"), "email")),
        ),
        Fact(
            name="new_name",
            prompt=_("What should the new name be?"),
            parse=parse_name,
            invalid=_("Please type the new name (at most 200 characters)."),
            ask_if=lambda facts: facts.get("field") == "name",
        ),
        Fact(
            name="new_email",
            prompt=_("What is the new email address? I'll send a code there to confirm it."),
            parse=parse_email,
            invalid=_("That doesn't look like an email address. Please type the new address."),
            ask_if=lambda facts: facts.get("field") == "email",
            confirm_by_code=True,
        ),
    )

    async def perform(self, ctx: ActionContext) -> Outcome:
        account = ctx.account
        if account is None:  # cannot happen after a verified code; refuse rather than guess
            return Outcome.refused(_("I couldn't find the account any more."), "Account vanished.")
        if ctx.facts.get("field") == "name":
            new_name = ctx.facts["new_name"]
            await ctx.directory.update(account, name=new_name)
            return Outcome.done(
                _("Done: the name on your account is now {name}.", name=new_name),
                f"The account's name was changed from {account.name} to {new_name} after "
                "verification by a code mailed to its address.",
            )
        new_email = ctx.facts["new_email"]
        if new_email == account.email:
            return Outcome.done(
                _("That is already the email address of your account, so nothing needed changing."),
                "No change: the new address equals the current one.",
            )
        await ctx.directory.update(account, email=new_email)
        notice = _(
            "Hello {name},\n\nThe email address of your account was changed from {old} to "
            "{new} ({ref}), confirmed with codes sent to both addresses. If this was not you, "
            "reply to this mail at once.\n",
            name=account.name,
            old=account.email,
            new=new_email,
            ref=ctx.ticket_ref,
        )
        changed = _("Your email address was changed ({ref})", ref=ctx.ticket_ref)
        return Outcome.done(
            _("Done: your account's email address is now {email}.", email=new_email),
            f"The account's email address was changed from {account.email} to {new_email}, "
            "confirmed with codes mailed to both the old and the new address.",
            mails=(
                Mail(account.email, changed, notice),
                Mail(new_email, changed, notice),
            ),
        )


class AddTeamMember:
    """Adds a member to the organisation of a verified administrator (and nobody else's)."""

    name = "add_team_member"
    title = "new team member"
    verification = Verification.EMAIL_CODE
    identity = _account_email(
        _(
            "What is the email address of your own account? Only an administrator of your "
            "organisation can add members; I'll send a code there to make sure it's you."
        )
    )
    facts: tuple[Fact, ...] = (
        Fact(
            name="member_email",
            prompt=_("You're verified. What is the email address of the person to add?"),
            parse=parse_email,
            invalid=_("That doesn't look like an email address. Please type the new member's."),
        ),
        Fact(
            name="member_name",
            prompt=_("And their full name?"),
            parse=parse_name,
            invalid=_("Please type their name (at most 200 characters)."),
        ),
    )

    async def perform(self, ctx: ActionContext) -> Outcome:
        admin = ctx.account
        if admin is None or not admin.is_admin or admin.org is None:
            return Outcome.refused(
                _(
                    "Your account is not an administrator of an organisation, so I can't add "
                    "members myself."
                ),
                "The verified account is not an organisation admin: nothing was changed.",
            )
        member_email, member_name = ctx.facts["member_email"], ctx.facts["member_name"]
        if await ctx.directory.find(member_email) is not None:
            return Outcome.refused(
                _("That address already has an account, so adding it needs a closer look."),
                f"{member_email} already has an account: nothing was changed.",
            )
        await ctx.directory.add_member(
            admin.org, member_email, member_name, AccountRole.MEMBER, requested_by=admin
        )
        welcome = _(
            "Hello {name},\n\n{admin} added you to {org} ({ref}). To choose your password, ask "
            "our support assistant for a password reset with this email address.\n",
            name=member_name,
            admin=admin.name,
            org=admin.org,
            ref=ctx.ticket_ref,
        )
        return Outcome.done(
            _(
                "Done: {name} ({email}) is now a member of {org}. I've emailed them how to "
                "sign in.",
                name=member_name,
                email=member_email,
                org=admin.org,
            ),
            f"{member_name} <{member_email}> was added to {admin.org} as a member at the "
            f"request of verified admin {admin.email}.",
            mails=(Mail(member_email, _("You've been added to {org}", org=admin.org), welcome),),
        )


class FeatureAccess:
    """Grants a feature from the entitlement list to a verified account whose role allows it."""

    name = "feature_access"
    title = "feature access"
    verification = Verification.EMAIL_CODE

    def __init__(self, entitlements: Entitlements) -> None:
        self.entitlements = entitlements
        self.identity = _account_email(
            _(
                "What is the email address of your account? I'll send a code there to make "
                "sure it's you."
            )
        )
        self.facts: tuple[Fact, ...] = (
            Fact(
                name="feature",
                prompt=_(
                    "You're verified. Which feature do you need? I can grant these myself: "
                    "{features}.",
                    features=entitlements.labels(),
                ),
                parse=self._parse_feature,
                invalid=_(
                    "I can only grant these features myself: {features}. Which one do you "
                    'need? (For anything else, type "agent".)',
                    features=entitlements.labels(),
                ),
                prefill=True,
            ),
        )

    def _parse_feature(self, text: str) -> str | None:
        found = self.entitlements.match(text)
        return found.key if found else None

    async def perform(self, ctx: ActionContext) -> Outcome:
        account = ctx.account
        feature = self.entitlements.get(ctx.facts["feature"])
        if account is None or feature is None:
            return Outcome.refused(_("I can't grant that myself."), "Unknown account or feature.")
        if feature.key in account.features:
            return Outcome.done(
                _(
                    "Your account already has {feature}; nothing needed changing.",
                    feature=feature.label,
                ),
                f"{account.email} already had {feature.label}.",
            )
        if account.role not in feature.roles:
            return Outcome.refused(
                _(
                    "{feature} needs an administrator's approval for your account.",
                    feature=feature.label,
                ),
                f"{feature.label} is limited to roles "
                f"{', '.join(sorted(r.value for r in feature.roles))}; {account.email} is "
                f"{account.role.value}: nothing was changed.",
            )
        await ctx.directory.grant_feature(account, feature.key)
        return Outcome.done(
            _("Done: your account now has {feature}.", feature=feature.label),
            f"{feature.label} was granted to {account.email} per the entitlement list.",
        )


def _minutes(delta: timedelta) -> int:
    return int(delta.total_seconds() // 60)


def shipped_fulfillers(entitlements: Entitlements) -> tuple[Fulfiller, ...]:
    return (PasswordReset(), AccountUpdate(), AddTeamMember(), FeatureAccess(entitlements))
