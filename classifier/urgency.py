"""How urgent a message sounds, read from its wording: who is affected, a deadline, anger.

The intent decides a ticket's default priority (the catalog) and the priority model nudges it
from what it learnt (``model.combine_priority``); both read *what* the message is about. This
module reads *how* it is written, with rules a person can check, in English, German, French
and Spanish: "for everyone", "all our users", "production down" (many people affected),
"ASAP", "dringend", "au plus vite" (a deadline), and anger: angry words, angry emoji
("😡😡😡🔥💸"), a message in capitals, "!!!". Each cue found is named in ``Urgency.reasons``,
so an agent can see why a ticket came in above its intent's default.

The cues only ever raise a priority:

* many people affected, or a deadline: at least ``high``;
* production down, or two of (many affected, a deadline, strong anger): ``urgent``;
* anger: one step above the default, at most ``high``; two kinds of anger at once (angry
  words and "!!!", capitals and emoji, several angry emoji): at least ``high``.

"not urgent", "pas urgent", "no rush" and the like cancel the deadline cue. Pure: no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from models import Priority

_FLAGS = re.IGNORECASE | re.UNICODE

_WHO = (
    r"(users?|customers?|clients?|employees|staff|colleagues|agents|people|members|"
    r"nutzer(innen)?|benutzer(innen)?|kunden|mitarbeiter(innen)?|kollegen|"
    r"utilisateurs?|employés|collègues|membres|"
    r"usuarios?|empleados|compañeros|miembros)"
)
EVERYONE = re.compile(
    r"\bfor (everyone|everybody|all of us|all (of )?(our |my |the )?" + _WHO + r")\b"
    r"|\ball (of )?(our|my) " + _WHO + r"\b|\b(everyone|everybody)\b"
    r"|\b(whole|entire) (team|company|organi[sz]ation|office|department|org)\b"
    r"|\bcompany[- ]wide\b|\bdown for (everyone|everybody|all)\b"
    r"|\b(für|bei) (alle|allen)\b(?! fälle)|\balle (unsere )?" + _WHO + r"\b"
    r"|\b(das ganze|unser ganzes) team\b|\b(die ganze|unsere ganze|die gesamte) firma\b"
    r"|\b(pour|chez) tout le monde\b|\btous (nos|les|mes) " + _WHO + r"\b"
    r"|\btoute (l'|l’)(équipe|entreprise|organisation)\b"
    r"|\bpara todos\b|\btodo el mundo\b|\btodos (nuestros|los|mis) " + _WHO + r"\b"
    r"|\btod[oa] (el equipo|la empresa|la organización)\b",
    _FLAGS,
)
"""Many people: they count when the message also says something fails (``FAILING``), so
"enforce SSO for everyone" or "export all our users" stay what the intent says."""
NOBODY_CAN = re.compile(
    r"\b(nobody|no one|none of us)( here| else| in (our|my|the) \w+)? (can|is able)\b"
    r"|\b(everyone|everybody)( here| else| in (our|my|the) \w+)? (can'?t|cannot|is locked)\b"
    r"|\b(niemand|keiner)( von uns| hier| im team)? kann\b"
    r"|\bpersonne( ici| chez nous)? ne (peut|arrive)\b"
    r"|\b(nadie|ninguno de nosotros)( aquí| en el equipo)? (puede|consigue)\b",
    _FLAGS,
)
"""Many people cannot do something: a failure that affects them all."""
FAILING = re.compile(
    r"\b(fail\w*|error\w*|down|broken|can'?t|cannot|unable|not working|doesn'?t work|crash\w*|"
    r"blocked|locked out|outage|stuck|missing|lost|slow|kicked out|no access|timeout|"
    r"[45]\d\d|blank (page|screen)|leere[nr]? (seite|bildschirm)|page blanche|écran blanc|"
    r"(página|pantalla) en blanco|fehl\w*|geht nicht|funktioniert nicht|kann nicht|"
    r"können nicht|kaputt|"
    r"ausgefallen|abgestürzt|gesperrt|kein zugriff|langsam|échou\w*|erreur\w*|panne|"
    r"ne (marche|fonctionne)|impossible|bloqué\w*|plant\w*|lent\w*|ne (peut|peuvent)|"
    r"falla\w*|ca[ií]d[oa]|no funciona|no (puede|pueden)|bloquead\w*|imposible|lent[oa])(?!\w)",
    _FLAGS,
)
"""Something fails (for ``EVERYONE``)."""
PRODUCTION_DOWN = re.compile(
    r"\b(prod|production|live (site|system)|our (site|website|shop|app|platform)|everything)"
    r"( (is|went|has gone|are))? (down|offline|dead|broken)\b"
    r"|\bproduktion (steht|ist (down|ausgefallen|offline)|ausgefallen)\b|\balles steht\b"
    r"|\bproduction (est )?(en panne|down|à l'arrêt|arrêtée|hors service)\b"
    r"|\btout est (en panne|down|cassé)\b"
    r"|\bproducci[oó]n (est[aá] )?(ca[ií]da|parada|down)\b|\btodo est[aá] ca[ií]do\b",
    _FLAGS,
)
"""The customer's production is down: urgent."""
DEADLINE = re.compile(
    r"\b(asap|a\.s\.a\.p|urgent(ly)?|emergency|dringend|schnellstmöglich|"
    r"so schnell wie möglich|notfall|urgente?s?|urgence|au plus vite|au plus tôt|"
    r"dès que possible|urgencia|cuanto antes|lo antes posible|lo más pronto posible)(?!\w)",
    _FLAGS,
)
"""A deadline: it must be dealt with now."""
NOW = re.compile(
    r"\b(immediately|right (now|away)|sofort|umgehend|immédiatement|tout de suite|"
    r"inmediatamente|ya mismo)(?!\w)",
    _FLAGS,
)
ASKING = re.compile(
    r"\b(please|pls|plz|need|fix|help|bitte|brauche[n]?|s'il vous plaît|svp|besoin|aidez|"
    r"por favor|necesito|necesitamos|ayuda)\b",
    _FLAGS,
)
""""Now" words are a deadline only in a request ("please fix it right now"), not when they
tell how something behaves ("it closes immediately after the start")."""
NOT_URGENT = re.compile(
    r"\b(not|no|nicht|kein|pas|no es|nada) (that |so |sehr |très |muy |particularly )?"
    r"(urgent|dringend|urgente?)"
    r"|\b(no rush|no hurry|whenever|keine eile|rien ne presse|sin prisa)\b",
    _FLAGS,
)
"""Says outright that there is no hurry: the deadline cue does not count."""
ANGER = re.compile(
    r"\b(furious|angry|livid|pissed|unacceptable|ridiculous|outrageous|disgrace(ful)?|"
    r"pathetic|worst|terrible|awful|useless|fed up|sick of|wtf|scam|rip-?off|"
    r"wütend|sauer|stinksauer|inakzeptabel|unverschämt(heit)?|frechheit|lächerlich|skandal|"
    r"katastrophe|unzumutbar|furieux|furieuse|en colère|inacceptable|inadmissible|scandaleux|"
    r"honteux|ras le bol|j'en ai marre|n'importe quoi|arnaque|furios[oa]|enfadad[oa]|"
    r"inaceptable|indignante|vergonzoso|una vergüenza|hart[oa]|estafa|pésimo)(?!\w)",
    _FLAGS,
)
"""Angry words."""
ANGRY_EMOJI = re.compile(
    "[\U0001f621\U0001f92c\U0001f620\U0001f47f\U0001f4a2\U0001f595\U0001f624\U0001f525"
    "\U0001f4b8\U0001f92f]"
)
"""😡 🤬 😠 👿 💢 🖕 😤 🔥 💸 🤯: anger, something on fire, money lost."""
EXCLAMATIONS = re.compile(r"!\s*!\s*!")
_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)
SHOUTING_LETTERS = 8
"""Fewer letters than this in capitals ("API", "FD-1001 URGENT") is not shouting."""


@dataclass(frozen=True, slots=True)
class Urgency:
    """The priority a message's wording asks for.

    ``floor``: the least priority the wording asks for, whatever the intent's default.
    ``step``: anger raises the default one step (up to ``high``). ``reasons`` names the cues
    found, in the order of the docstring above, for people to read.
    """

    floor: Priority = Priority.LOW
    step: bool = False
    reasons: tuple[str, ...] = ()

    def applied_to(self, priority: Priority) -> Priority:
        """``priority`` raised as the wording asks; never lowered."""
        if self.step and priority.rank < Priority.HIGH.rank:
            priority = priority.raised()
        return self.floor if self.floor.rank > priority.rank else priority


def _shouting(text: str) -> bool:
    letters = [c for c in _LETTER.findall(text) if c.lower() != c.upper()]
    upper = sum(1 for c in letters if c.isupper())
    return upper >= SHOUTING_LETTERS and upper >= 0.7 * len(letters)


def read_urgency(text: str) -> Urgency:
    """The cues in ``text`` and the priority they ask for."""
    reasons: list[str] = []
    production = PRODUCTION_DOWN.search(text) is not None
    everyone = (
        production
        or NOBODY_CAN.search(text) is not None
        or (EVERYONE.search(text) is not None and FAILING.search(text) is not None)
    )
    now = NOW.search(text) is not None and ASKING.search(text) is not None
    deadline = (DEADLINE.search(text) is not None or now) and NOT_URGENT.search(text) is None
    emoji = len(ANGRY_EMOJI.findall(text))
    anger = [
        ("angry words", ANGER.search(text) is not None),
        ("angry emoji", emoji > 0),
        ("capitals", _shouting(text)),
        ("exclamation marks", EXCLAMATIONS.search(text) is not None),
    ]
    for reason, found in (
        ("production down", production),
        ("everyone affected", everyone and not production),
        ("deadline", deadline),
        *anger,
    ):
        if found:
            reasons.append(reason)
    kinds_of_anger = sum(found for _, found in anger) + (emoji >= 3)
    strong_anger = kinds_of_anger >= 2
    if production or everyone + deadline + strong_anger >= 2:
        floor = Priority.URGENT
    elif everyone or deadline or strong_anger:
        floor = Priority.HIGH
    else:
        floor = Priority.LOW
    return Urgency(floor, kinds_of_anger > 0, tuple(reasons))
