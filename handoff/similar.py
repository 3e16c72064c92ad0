"""Similar resolved tickets: TF-IDF cosine over descriptions, with a nudge for the same intent.

Pure Python over a bounded candidate set (the newest few hundred resolved tickets with notes),
so it costs a few milliseconds and needs no index or extra dependency.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

from models import Ticket

WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
STOP = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "but",
        "by",
        "can",
        "do",
        "for",
        "from",
        "has",
        "have",
        "i",
        "in",
        "is",
        "it",
        "its",
        "me",
        "my",
        "no",
        "not",
        "of",
        "on",
        "or",
        "our",
        "so",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "this",
        "to",
        "was",
        "we",
        "were",
        "what",
        "when",
        "with",
        "you",
        "your",
    ]
)
SAME_INTENT_BONUS = 0.15
MIN_SCORE = 0.12


def tokens(text: str) -> list[str]:
    return [w for w in WORD.findall(text.lower()) if len(w) > 1 and w not in STOP]


def similar_tickets(
    target: Ticket, candidates: Sequence[Ticket], limit: int = 5
) -> list[tuple[Ticket, float]]:
    """The ``limit`` candidates most like ``target``, best first, with their scores (0..1+)."""
    pool = [c for c in candidates if c.id != target.id]
    if not pool:
        return []
    docs = [Counter(tokens(c.description)) for c in pool]
    query = Counter(tokens(target.description))
    df: Counter[str] = Counter()
    for doc in [*docs, query]:
        df.update(doc.keys())
    n = len(docs) + 1

    def vector(counts: Counter[str]) -> dict[str, float]:
        vec = {
            w: (1 + math.log(c)) * (math.log((1 + n) / (1 + df[w])) + 1) for w, c in counts.items()
        }
        norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
        return {w: v / norm for w, v in vec.items()}

    q = vector(query)
    scored = []
    for ticket, doc in zip(pool, docs, strict=True):
        d = vector(doc)
        score = sum(v * d.get(w, 0.0) for w, v in q.items())
        if ticket.intent == target.intent:
            score += SAME_INTENT_BONUS
        if score >= MIN_SCORE:
            scored.append((ticket, round(score, 3)))
    scored.sort(key=lambda pair: (-pair[1], -pair[0].id))
    return scored[:limit]
