"""Incident spike detection: pure logic, no I/O (the job that runs it is in ``problems.py``).

The rule (``docs/metrics.md``): for a group of incidents — one intent, or one cluster of similar
descriptions — let ``k`` be how many arrived in the recent window and ``b`` how many arrived in
the baseline window before it. If incidents came at the baseline rate, ``k`` would be Poisson with
mean ``mu = max(b, baseline_floor) * window / baseline``. The group is a spike when
``k >= min_count`` and ``P(X >= k | mu) < alpha``. The floor keeps a never-seen intent from
having a zero mean (which would make any single incident infinitely surprising); ``min_count``
keeps a handful of unlucky coincidences from paging anyone.

Clusters: descriptions become TF-IDF vectors (idf over the recent and baseline texts); recent
incidents whose cosine similarity is at least ``similarity`` are joined (single link), and a
cluster's baseline count is the number of baseline texts at least that similar to its centroid.
"""

from __future__ import annotations

import math
import re
import time
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from scipy.special import gammainc

MAX_CLUSTERED = 500  # the most recent incidents clustered by text (pairs grow quadratically)
_WORD = re.compile(r"[a-z0-9]+")
_STOPWORDS = frozenset(
    " ".join(
        (
            "a an the and or but if of to in on at by for with from is are was were be been it",
            "its this that these those i we you he she they me my our your their us them do",
            "does did not no so as can cant cannot could would should will just any all some",
            "when since every",
        )
    ).split(" ")
)


def poisson_upper_tail(k: int, mu: float) -> float:
    """P(X >= k) for X ~ Poisson(mu), accurate for tiny tails and bounded in time for any input.

    It is the regularised lower incomplete gamma function P(k, mu) (scipy's ``gammainc``),
    computed by a series that never loses the tail to ``1 - cdf`` rounding. The hand-written
    series it replaces looped for ever once its first term underflowed to zero (~80 incidents
    against a quiet baseline), and it ran on the event loop: that hung the whole server.
    """
    if k <= 0:
        return 1.0
    if not mu > 0:  # zero, negative or NaN: nothing is expected, any incident is a surprise
        return 0.0
    if math.isinf(mu):
        return 1.0
    return min(max(float(gammainc(float(k), mu)), 0.0), 1.0)


@dataclass(frozen=True, slots=True)
class SpikeRule:
    window: timedelta = timedelta(minutes=30)
    baseline: timedelta = timedelta(days=7)
    min_count: int = 5
    alpha: float = 1e-3
    baseline_floor: float = 1.0
    similarity: float = 0.4

    def expected(self, baseline_count: int) -> float:
        """Incidents the recent window would hold at the baseline rate."""
        ratio = self.window.total_seconds() / self.baseline.total_seconds()
        return max(float(baseline_count), self.baseline_floor) * ratio

    def test(self, recent_count: int, baseline_count: int) -> tuple[bool, float, float]:
        """(is it a spike, the expected count, the tail probability)."""
        mu = self.expected(baseline_count)
        p = poisson_upper_tail(recent_count, mu)
        return recent_count >= self.min_count and p < self.alpha, mu, p


@dataclass(frozen=True, slots=True)
class Incident:
    id: int
    intent: str
    text: str
    problem_id: int | None = None


@dataclass(frozen=True)
class Spike:
    """A group of recent incidents arriving far faster than usual."""

    intent: str  # the group's intent, or its most common one for a cluster
    incident_ids: tuple[int, ...]
    expected: float
    p_value: float
    reasons: tuple[str, ...] = field(default=())

    def describe(self, window: timedelta) -> str:
        minutes = int(window.total_seconds() // 60)
        return (
            f"{len(self.incident_ids)} incidents about {self.intent.replace('_', ' ')} in "
            f"{minutes} minutes (about {self.expected:.2f} expected; p = {self.p_value:.1e}): "
            + "; ".join(self.reasons)
        )


def tokens(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.lower()) if len(w) > 1 and w not in _STOPWORDS]


Vector = dict[str, float]


class TfIdf:
    """Smoothed TF-IDF (like scikit-learn's default) with L2-normalised sparse vectors."""

    def __init__(self, corpus: Sequence[str]) -> None:
        df: Counter[str] = Counter()
        for text in corpus:
            df.update(set(tokens(text)))
        n = len(corpus)
        self.idf = {w: math.log((1 + n) / (1 + d)) + 1 for w, d in df.items()}
        self._unknown = math.log(1 + n) + 1

    def vector(self, text: str) -> Vector:
        counts = Counter(tokens(text))
        vec = {w: c * self.idf.get(w, self._unknown) for w, c in counts.items()}
        return normalise(vec)


def normalise(vec: Vector) -> Vector:
    norm = math.sqrt(sum(v * v for v in vec.values()))
    return {w: v / norm for w, v in vec.items()} if norm else {}


def cosine(a: Vector, b: Vector) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(v * b.get(w, 0.0) for w, v in a.items())


def clusters(
    vectors: Sequence[Vector], threshold: float, deadline: float | None = None
) -> list[list[int]]:
    """Indices grouped by single-link similarity >= threshold (connected components).

    Quadratic in ``len(vectors)``: past ``deadline`` (a ``time.monotonic()`` value) the
    remaining vectors are left unjoined, so a flood of incidents costs a bounded time.
    """
    parent = list(range(len(vectors)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(len(vectors)):
        if deadline is not None and time.monotonic() > deadline:
            break
        for j in range(i + 1, len(vectors)):
            if vectors[i] and cosine(vectors[i], vectors[j]) >= threshold:
                parent[root(j)] = root(i)
    groups: dict[int, list[int]] = {}
    for i in range(len(vectors)):
        groups.setdefault(root(i), []).append(i)
    return list(groups.values())


def detect(
    recent: Sequence[Incident],
    baseline_by_intent: Mapping[str, int],
    baseline_texts: Sequence[str],
    rule: SpikeRule,
    budget: float | None = None,
) -> list[Spike]:
    """Spikes among ``recent`` incidents, at most one per intent (intent and cluster spikes of
    the same intent are merged, so they lead to the same problem ticket).

    The per-intent test is linear and always runs. Clustering is quadratic, so it looks at the
    ``MAX_CLUSTERED`` most recent incidents only and stops joining after ``budget`` seconds: a
    flood is already a spike of its intent, and a partial clustering only misses links.
    """
    deadline = None if budget is None else time.monotonic() + budget
    found: dict[str, Spike] = {}

    def add(intent: str, ids: Sequence[int], mu: float, p: float, reason: str) -> None:
        old = found.get(intent)
        if old is None:
            found[intent] = Spike(intent, tuple(sorted(ids)), mu, p, (reason,))
            return
        merged = tuple(sorted(set(old.incident_ids) | set(ids)))
        best = min((old.p_value, old.expected), (p, mu))
        found[intent] = Spike(intent, merged, best[1], best[0], (*old.reasons, reason))

    by_intent: dict[str, list[int]] = {}
    for incident in recent:
        by_intent.setdefault(incident.intent, []).append(incident.id)
    for intent, ids in by_intent.items():
        spike, mu, p = rule.test(len(ids), baseline_by_intent.get(intent, 0))
        if spike:
            add(intent, ids, mu, p, f"intent {intent}")

    if len(recent) >= rule.min_count:
        recent = sorted(recent, key=lambda i: i.id)[-MAX_CLUSTERED:]
        model = TfIdf([i.text for i in recent] + list(baseline_texts))
        vectors = [model.vector(i.text) for i in recent]
        baseline_vectors = [model.vector(text) for text in baseline_texts]
        for members in clusters(vectors, rule.similarity, deadline):
            if len(members) < rule.min_count:
                continue
            centroid = normalise(_sum(vectors[m] for m in members))
            similar = sum(1 for v in baseline_vectors if cosine(centroid, v) >= rule.similarity)
            spike, mu, p = rule.test(len(members), similar)
            if spike:
                group = [recent[m] for m in members]
                intent = Counter(i.intent for i in group).most_common(1)[0][0]
                top = sorted(centroid, key=lambda w: -centroid[w])[:3]
                add(intent, [i.id for i in group], mu, p, f"similar texts ({', '.join(top)})")
    return list(found.values())


def _sum(vectors: Iterable[Vector]) -> Vector:
    total: Vector = {}
    for vec in vectors:
        for w, v in vec.items():
            total[w] = total.get(w, 0.0) + v
    return total
