"""Which knowledge-base article answers a customer's question (the bot's self-service, #13).

Three signals, each measured on the article and on its passages (the title, each section, each
paragraph):

* **meaning**: the cosine of sentence embeddings from the classifier's own encoder
  (multilingual USE: a German question finds an English article), best passage wins;
* **words**: TF-IDF cosine (scikit-learn; unigrams and bigrams, accents folded, sublinear tf)
  against the whole article, so a rare exact term ("CSV", "SSO") counts;
* **intent**: whether the classifier's intent for the question is one the article answers
  (named by its author, or what the classifier reads in the article itself).

``score = MEANING * meaning + WORDS * words + INTENT * intent`` (without an encoder: words and
intent alone, rescaled). The caller keeps weak matches out with a threshold
(``bot/knowledge_search.py``); the weights and thresholds were set on the outcomes workload
(``bench/outcomes.py``), see docs/knowledge.md.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from sklearn.feature_extraction.text import TfidfVectorizer

from .encoders import MULTILINGUAL_USE, encoder, encoder_available

MEANING, WORDS, INTENT = 0.6, 0.4, 0.25


@dataclass(frozen=True, slots=True)
class IndexedArticle:
    """What the index needs of an article: its id, title, sections and the intents it answers."""

    id: int
    title: str
    sections: tuple[tuple[str, str], ...]  # (heading, plain text)
    intents: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Hit:
    """An article's score for a question and its passage that answers best."""

    article_id: int
    score: float
    heading: str
    passage: str
    meaning: float
    words: float
    intent: bool


@dataclass(frozen=True, slots=True)
class _Passage:
    article: int  # position in the index
    heading: str
    text: str
    answer: bool  # a passage the bot may quote (not the bare title)


def _passages(position: int, article: IndexedArticle) -> list[_Passage]:
    out = [_Passage(position, "", article.title, False)]
    for heading, text in article.sections:
        paragraphs = [p for p in text.split("\n") if p.strip()]
        out.append(_Passage(position, heading, f"{heading}\n{text}".strip(), True))
        if len(paragraphs) > 1:
            out.extend(_Passage(position, heading, p, True) for p in paragraphs)
        if heading:
            out.append(_Passage(position, heading, f"{article.title}: {heading}", False))
    return out


class ArticleIndex:
    """Built once per change of the knowledge base (cheap: a few ms an article); read-only."""

    def __init__(
        self, articles: Sequence[IndexedArticle], *, encoder_name: str | None = MULTILINGUAL_USE
    ) -> None:
        self.articles = list(articles)
        self._encoder = (
            encoder(encoder_name)
            if encoder_name is not None and encoder_available(encoder_name)
            else None
        )
        self._passages = [p for i, a in enumerate(self.articles) for p in _passages(i, a)]
        documents = [
            f"{a.title}\n{a.title}\n" + "\n".join(f"{h}\n{t}" for h, t in a.sections)
            for a in self.articles
        ]
        self._tfidf: TfidfVectorizer | None = None
        self._doc_vectors = None
        if documents:
            self._tfidf = TfidfVectorizer(
                strip_accents="unicode", ngram_range=(1, 2), sublinear_tf=True, min_df=1
            )
            self._doc_vectors = self._tfidf.fit_transform(documents)
        self._vectors: NDArray[np.float32] | None = None
        if self._encoder is not None and self._passages:
            self._vectors = self._encoder.encode([p.text for p in self._passages])

    @property
    def uses_meaning(self) -> bool:
        return self._encoder is not None

    def __len__(self) -> int:
        return len(self.articles)

    def search(
        self, text: str, intent: str | None = None, allowed: Collection[int] | None = None
    ) -> list[Hit]:
        """Every allowed article's score for ``text``, best first."""
        if not self.articles or self._tfidf is None:
            return []
        words = (self._doc_vectors @ self._tfidf.transform([text]).T).toarray().ravel()
        meaning = np.full(len(self.articles), 0.0)
        best: dict[int, tuple[float, _Passage]] = {}
        if self._encoder is not None and self._vectors is not None:
            sims = self._vectors @ self._encoder.encode([text])[0]
            for passage, sim in zip(self._passages, sims, strict=True):
                meaning[passage.article] = max(meaning[passage.article], float(sim))
                if passage.answer and sim > best.get(passage.article, (-2.0, passage))[0]:
                    best[passage.article] = (float(sim), passage)
        hits = []
        for position, article in enumerate(self.articles):
            if allowed is not None and article.id not in allowed:
                continue
            matched = intent is not None and intent in article.intents
            if self._encoder is not None:
                score = MEANING * meaning[position] + WORDS * words[position]
            else:
                score = words[position]
            score += INTENT * matched
            found = best.get(position)
            heading, quote = (found[1].heading, found[1].text) if found else ("", "")
            hits.append(
                Hit(
                    article.id,
                    round(float(score), 4),
                    heading,
                    quote,
                    round(float(meaning[position]), 4),
                    round(float(words[position]), 4),
                    matched,
                )
            )
        return sorted(hits, key=lambda h: -h.score)
