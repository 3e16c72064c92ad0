"""What the fulfilment dialogue tells customers, as translatable texts (models/texts): the
driver says them in the customer's language; the fulfillers' own words are in fulfillers.py."""

from __future__ import annotations

from models.texts import Text, _

WORKING = _("One moment please, I'm still working on it.")
WAITING_FOR_RESET = _(
    "I'm waiting for the new password to be set with the link from the email. If it hasn't "
    'arrived within a few minutes, check your spam folder, or type "agent" to talk to a person.'
)
TYPE_THE_CODE = _(
    'Please type the 6-digit code from the email (or type "agent" to talk to a person).'
)
EXPIRED_RESENDING = _("That code has expired, so I'm sending a new one.")
PAUSED = _("For your security, codes to that address are paused for a while.")
PAUSED_AFTER_ATTEMPTS = _(
    "For your security, codes to that address are paused for a while after too many wrong attempts."
)
MAIL_LIMIT = _(
    "For your security, we have sent as many codes as we can for now. Please try again in an "
    "hour, or wait here for an agent."
)
DONE = _("I took care of it myself (see above).")


def confirmation_sent(minutes: int) -> Text:
    return _(
        "I've emailed a 6-digit code to that address. Please type it here to confirm it; it "
        "expires in {minutes} minutes.",
        minutes=minutes,
    )


def identity_code_sent(minutes: int) -> Text:
    return _(
        "If an account exists for that address, I've emailed it a 6-digit code. Please type the "
        "code here; it expires in {minutes} minutes.",
        minutes=minutes,
    )


def last_attempt(minutes: int) -> Text:
    return _(
        "That code is not right either, and that was the last attempt. For your security, no "
        "new codes will be sent to that address for {minutes} minutes.",
        minutes=minutes,
    )


def wrong_code(left: int) -> Text:
    if left == 1:
        return _("That code is not right. Please check the email and try again (1 attempt left).")
    return _(
        "That code is not right. Please check the email and try again ({left} attempts left).",
        left=left,
    )


def passed_on(ticket: str, lead: Text | None) -> Text:
    passed = _(
        "I've passed ticket {ticket} to a human agent with what you've told me so far; they'll "
        "reply here.",
        ticket=ticket,
    )
    return _("{lead} {passed}", lead=lead, passed=passed) if lead else passed


def cancelled(ticket: str) -> Text:
    return _(
        "All right, I've stopped and closed ticket {ticket}; nothing was changed. Write again "
        "any time if you need something.",
        ticket=ticket,
    )
