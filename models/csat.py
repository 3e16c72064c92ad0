"""CSAT's vocabulary: the rating buttons, their payloads and what a typed rating looks like.

The desk asks for a rating when a ticket is resolved; the engine's CSAT dialogue
(``bot/dialogues/csat.py``) reads the answer. Both speak through these definitions.
"""

from __future__ import annotations

import re

from .entities import Button
from .texts import N_

CSAT_PREFIX = "csat"
CSAT_LABELS = (
    N_("1 - Very poor"),
    N_("2 - Poor"),
    N_("3 - Okay"),
    N_("4 - Good"),
    N_("5 - Excellent"),
)
SCORE_ONLY = re.compile(r"^\s*([1-5])\s*(/\s*5)?\s*(stars?)?\s*[.!]?\s*$", re.IGNORECASE)
"""A typed rating ("4", "4/5", "5 stars")."""
NOT_FIXED = re.compile(
    r"\b(not (fixed|solved|resolved|working)|still (broken|not|failing|happening)|"
    r"didn'?t (help|work)|doesn'?t work|reopen|nicht (behoben|gelöst)|funktioniert (immer )?"
    r"(noch )?nicht|pas (résolu|réglé|corrigé)|ne (marche|fonctionne) (toujours )?pas|"
    r"no (está )?(resuelto|solucionado|arreglado)|sigue sin funcionar|no funciona)\b",
    re.IGNORECASE,
)
"""The customer says the resolved problem is not solved: the ticket reopens."""
COMMENT_BELOW = 4
"""Ratings below this are followed by "what could we have done better?"."""


def csat_buttons(ticket_id: int, round_: int) -> tuple[Button, ...]:
    """Five buttons, worst (1) to best (5); the payload names the ticket and the resolution."""
    return tuple(
        Button(label=label, payload=f"{CSAT_PREFIX}:{ticket_id}:{round_}:{score}")
        for score, label in enumerate(CSAT_LABELS, start=1)
    )


def parse_csat_payload(payload: str) -> tuple[int, int, int] | None:
    """(ticket id, resolution round, score) from a CSAT button payload, else None."""
    parts = payload.split(":")
    if len(parts) != 4 or parts[0] != CSAT_PREFIX:
        return None
    try:
        ticket_id, round_, score = (int(p) for p in parts[1:])
    except ValueError:
        return None
    return (ticket_id, round_, score) if 1 <= score <= 5 else None
