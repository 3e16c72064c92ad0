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
    | {"überspringen", "ueberspringen", "nein", "nein danke", "passer", "non", "non merci"}
    | {"omitir", "saltar", "no gracias"}
)
_GREETING = (
    r"(?:(?:hi|hello|hey|hallo|guten tag|moin|servus|bonjour|salut|hola|buenas|buenos d[ií]as)"
    r"[,!.]?\s+)?"
)
_NAME_LEAD = re.compile(
    _GREETING + r"(?:my name is|my name's|name is|name:|call me|"
    r"ich hei(?:ß|ss)e|mein name ist|name ist|je m'appelle|mon nom est|"
    r"me llamo|mi nombre es|nombre:)\s+",
    re.IGNORECASE,
)
"""Lead-ins that only introduce a name: what follows is taken even when written in lower case."""
_WEAK_LEAD = re.compile(
    _GREETING + r"(?:i am|i'm|im|it's|this is|ich bin|hier ist|je suis|moi c'est|c'est|soy)\s+",
    re.IGNORECASE,
)
"""Lead-ins that also start other sentences ("I'm waiting", "soy cliente"): what follows is a
name only when capitalised ("I'm Ann", "soy Ana") or given with an email address."""
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
        # the same kind of words in German, French and Spanish
        "hallo",
        "danke",
        "bitte",
        "ja",
        "nein",
        "nicht",
        "noch",
        "immer",
        "kaputt",
        "und",
        "ist",
        "bonjour",
        "salut",
        "merci",
        "oui",
        "non",
        "pas",
        "toujours",
        "encore",
        "et",
        "est",
        "hola",
        "gracias",
        "si",
        "sí",
        "todavía",
        "sigue",
        "y",
        "es",
    ]
)


_PARTICLES = frozenset({"de", "del", "la", "van", "von", "der", "du", "le", "da", "di", "dos"})
"""Lower-case words inside a surname ("María de la Cruz", "Ludwig van Beethoven")."""
_FILLER = (
    r"\b(?:and|my|email|e-mail|mail|is|at|und|meine|ist|et|mon|est|y|mi|correo|es)\b"
    r"|[,;:()<>]"
)
"""Words that join a name and an address ("Ann and my email is …", "Ana y mi correo es …")."""


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
    name ("Ann Lee, ann@acme.com"). Without an address, only a clear name counts: one led in
    by "my name is" (or "ich heiße", "je m'appelle", "me llamo", "mi nombre es" ...), one to
    three capitalised words after "I'm" (or "ich bin", "je suis", "soy" ...), or one to three
    capitalised words alone ("Ann Lee"). "skip" (or "no thanks", "nein") declines.
    Everything else ("it still crashes") is the customer's problem, not an answer.
    """
    clean = " ".join(text.replace("\u2019", "'").split())
    if clean.lower().strip(" .!") in _SKIP:
        return IdentityAnswer(skipped=True)
    found = EMAIL.search(clean)
    email = found.group(0).lower() if found else None
    rest = (clean[: found.start()] + " " + clean[found.end() :]) if found else clean
    rest = rest.strip()
    led = _NAME_LEAD.match(rest)
    weak = None if led else _WEAK_LEAD.match(rest)
    lead = led or weak
    rest = rest[lead.end() :] if lead else rest
    rest = re.sub(_FILLER, " ", rest, flags=re.I)
    words = rest.strip(" .!").split()
    name = None
    if words and len(words) <= (4 if (email or led or weak) else 3):
        looks = all(_NAME_WORD.match(w) and w.lower() not in _NOT_NAMES for w in words)
        capitalised = words[0][0].isupper() and all(
            w[0].isupper() or w in _PARTICLES for w in words
        )
        if looks and (email or led or capitalised):
            name = " ".join(w if w in _PARTICLES else w[:1].upper() + w[1:] for w in words)
            name = name[:1].upper() + name[1:200]
    return IdentityAnswer(name=name, email=email)
