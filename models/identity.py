"""Who a customer is: what the bot asks after a hand-off, how an answer is read, and the
organisation an agent sees beside the customer.

After a hand-off the bot asks for what it lacks (a name, an email address) once per ticket. The
customer may answer ("Ann Lee, ann@acme.com"), say "skip", or simply go on about their problem:
:func:`read_identity` tells these apart without guessing hard. Anything that is not clearly a
name or an address is the customer's problem and is treated as such.

The organisation follows what Zendesk and Freshdesk do by default: a company is recognised by
its email domain (``ann@acme.com`` -> ``acme.com``), except for free-mail providers, where the
domain says nothing about the customer's employer. No organisation is stored: it is derived
from the email whenever shown, so a customer who gives a new address moves with it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ANONYMOUS_NAMES = frozenset({"", "web visitor", "anonymous", "customer"})
"""Display names that say nothing about the person (web chat's placeholder)."""

FREE_MAIL_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "outlook.com",
        "hotmail.com",
        "hotmail.co.uk",
        "hotmail.fr",
        "live.com",
        "msn.com",
        "yahoo.com",
        "yahoo.co.uk",
        "yahoo.fr",
        "yahoo.de",
        "ymail.com",
        "icloud.com",
        "me.com",
        "mac.com",
        "aol.com",
        "proton.me",
        "protonmail.com",
        "pm.me",
        "gmx.com",
        "gmx.de",
        "gmx.net",
        "web.de",
        "t-online.de",
        "mail.com",
        "mail.ru",
        "yandex.com",
        "yandex.ru",
        "zoho.com",
        "fastmail.com",
        "tutanota.com",
        "hey.com",
        "orange.fr",
        "free.fr",
        "laposte.net",
        "libero.it",
        "qq.com",
        "163.com",
        "126.com",
        "naver.com",
        "example.com",
        "example.org",
        "example.net",
    }
)
"""Domains shared by unrelated people: no organisation is derived from them. The IANA example
domains are here too: they name no company."""

EMAIL = re.compile(r"[A-Za-z0-9._%+'-]{1,64}@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}")
_SKIP = frozenset(
    {"skip", "/skip", "no", "no thanks", "no thank you", "nope", "rather not", "pass", "later"}
    | {"überspringen", "ueberspringen", "nein", "passer", "non", "omitir", "saltar"}
)
_NAME_LEAD = re.compile(
    r"^(?:(?:hi|hello|hey)[,!.]?\s+)?(?:my name is|my name's|name is|name:|i am|i'm|im|it's|"
    r"this is|call me)\s+",
    re.IGNORECASE,
)
_NAME_WORD = re.compile(r"^[^\W\d_][^\W\d_'.-]*(?:['.-][^\W\d_]+)*\.?$")
_NOT_NAMES = frozenset(
    [
        "hi",
        "hello",
        "hey",
        "thanks",
        "thank",
        "ok",
        "okay",
        "yes",
        "no",
        "please",
        "help",
        "still",
        "not",
        "broken",
        "again",
        "sure",
        "why",
        "what",
        "when",
        "where",
        "how",
        "any",
        "anyone",
        "update",
        "urgent",
        "the",
        "it",
        "is",
        "my",
        "and",
        "email",
    ]
)


def known_name(display_name: str) -> bool:
    """Whether ``display_name`` names the person (not web chat's "Web visitor")."""
    return display_name.strip().lower() not in ANONYMOUS_NAMES


def organisation(email: str | None) -> str | None:
    """The customer's organisation: their email's domain, unless a free-mail provider's."""
    if not email or "@" not in email:
        return None
    domain = email.rsplit("@", 1)[1].strip().lower().rstrip(".")
    if not domain or domain in FREE_MAIL_DOMAINS or "." not in domain:
        return None
    return domain


@dataclass(frozen=True, slots=True)
class IdentityAnswer:
    """What a customer's reply to "what's your name and email?" gave."""

    name: str | None = None
    email: str | None = None
    skipped: bool = False

    @property
    def answered(self) -> bool:
        """The reply answered the question (gave something, or declined)."""
        return self.skipped or self.name is not None or self.email is not None


def read_identity(text: str) -> IdentityAnswer:
    """Read a reply to the identity question; an empty answer means "not an answer".

    An email address anywhere counts, with at most four name-like words beside it as the
    name ("Ann Lee, ann@acme.com"). Without an address, only a clear name counts: "my name
    is Ann", or one to three capitalised words ("Ann Lee"). "skip" (or "no thanks") declines.
    Everything else ("it still crashes") is the customer's problem, not an answer.
    """
    clean = " ".join(text.split())
    if clean.lower().strip(" .!") in _SKIP:
        return IdentityAnswer(skipped=True)
    found = EMAIL.search(clean)
    email = found.group(0).lower() if found else None
    rest = (clean[: found.start()] + " " + clean[found.end() :]) if found else clean
    led = _NAME_LEAD.match(rest.strip())
    rest = rest.strip()[led.end() :] if led else rest
    rest = re.sub(r"\b(?:and|my|email|e-mail|mail|is|at)\b|[,;:()<>]", " ", rest, flags=re.I)
    words = rest.strip(" .!").split()
    name = None
    if words and len(words) <= (4 if (email or led) else 3):
        looks = all(_NAME_WORD.match(w) and w.lower() not in _NOT_NAMES for w in words)
        capitalised = all(w[0].isupper() for w in words)
        if looks and (email or led or capitalised):
            name = " ".join(w[:1].upper() + w[1:] for w in words)[:200]
    return IdentityAnswer(name=name, email=email)
