"""Finds the knowledge-base article that answers a new issue, outside any transaction.

The engine asks :meth:`ArticleFinder.find` right after classifying a message (CPU work stays out
of the writer): it keeps an :class:`~classifier.retrieval.ArticleIndex` of the published
articles, rebuilt in a thread when an article changed (one cheap read per message tells), and
returns an :class:`~models.articles.ArticleMatch` only when the match is good enough:

* a **question** (how-to phrasing or a question mark, in English, German, French or Spanish)
  needs ``QUESTION_SCORE``; any other message needs ``STRONG_SCORE``;
* never for a greeting, a request for a person, or an urgent incident (an outage goes to people);
* the article in the customer's language when one exists, else the original (English).
"""

from __future__ import annotations

import asyncio
import logging
import re
from datetime import datetime
from typing import TYPE_CHECKING

from classifier.retrieval import ArticleIndex, IndexedArticle
from models import Prediction, Priority, TicketType
from models.articles import Article, ArticleMatch
from service.article_text import sections, summary
from service.knowledge import in_language

from .dialogue import GOODBYE_INTENT, GREETING_INTENT, HUMAN_INTENT, THANKS_INTENT

if TYPE_CHECKING:
    from classifier.base import Classifier
    from store.database import Store

    from .dialogues.self_service import SelfServiceDialogue

log = logging.getLogger(__name__)

QUESTION_SCORE = 0.35
STRONG_SCORE = 0.6
INFER_INTENT_ABOVE = 0.8  # the classifier's confidence in an article's own intent
QUESTION = re.compile(
    r"\?\s*$|^\W*(how|what|where|when|which|why|who|can|could|is there|are there|do you|"
    r"does|is it|wie|was|wo|wann|warum|welche[rs]?|kann|können|gibt es|comment|que|qu'|quoi|"
    r"où|quand|pourquoi|quel(le)?s?|est-ce|puis-je|peut-on|cómo|como|qué|que|dónde|donde|"
    r"cuándo|cuando|por qué|cuál|puedo|se puede|hay)\b|\b(how (do|can|should|would|to)|"
    r"what do i do|where (can|do) i|is it possible)\b",
    re.IGNORECASE,
)
URGENT = (Priority.HIGH, Priority.URGENT)


def is_question(text: str) -> bool:
    return QUESTION.search(text.strip()) is not None


class ArticleFinder:
    """The published articles as an index; one per process."""

    def __init__(
        self, store: Store, classifier: Classifier | None = None, *, encoder: str | None = None
    ) -> None:
        from classifier.encoders import MULTILINGUAL_USE

        self.store = store
        self.classifier = classifier
        self.encoder = encoder or MULTILINGUAL_USE
        self._built_for: tuple[datetime | None, int] | None = None
        self._index: ArticleIndex | None = None
        self._articles: dict[int, Article] = {}
        self._lock = asyncio.Lock()

    async def index(self) -> ArticleIndex | None:
        """The index of the published articles as they are now (rebuilt after a change)."""
        stamp = await self.store.read(lambda uow: uow.articles.stamp(), small=True)
        if stamp == self._built_for:
            return self._index
        async with self._lock:
            if stamp != self._built_for:
                articles = await self.store.read(
                    lambda uow: uow.articles.listed(published_only=True)
                )
                self._index = await asyncio.to_thread(self._build, articles)
                self._articles = {a.id: a for a in articles}
                self._built_for = stamp
                log.info("knowledge base indexed: %d published articles", len(articles))
        return self._index

    def _build(self, articles: list[Article]) -> ArticleIndex | None:
        if not articles:
            return None
        indexed = []
        for article in articles:
            intents = set(article.intents)
            if self.classifier is not None:
                guess = self.classifier.classify(f"{article.title}. {summary(article.body)}")
                if guess.confidence >= INFER_INTENT_ABOVE:
                    intents.add(guess.intent)
            parts = tuple((s.heading, s.text) for s in sections(article.body))
            indexed.append(IndexedArticle(article.id, article.title, parts, frozenset(intents)))
        return ArticleIndex(indexed, encoder_name=self.encoder)

    async def find(
        self, text: str, prediction: Prediction | None, language: str | None = None
    ) -> ArticleMatch | None:
        """The article that answers ``text`` well enough (in ``language`` where it exists)."""
        if prediction is not None and (
            prediction.intent in (GREETING_INTENT, HUMAN_INTENT, THANKS_INTENT, GOODBYE_INTENT)
            or (prediction.type is TicketType.INCIDENT and prediction.priority in URGENT)
        ):
            return None
        index = await self.index()
        if index is None:
            return None
        intent = prediction.intent if prediction is not None else None
        hits = await asyncio.to_thread(index.search, text, intent)
        if not hits:
            return None
        best = hits[0]
        needed = QUESTION_SCORE if is_question(text) else STRONG_SCORE
        if best.score < needed:
            return None
        found = self._articles[best.article_id]
        match = ArticleMatch(
            found.id, found.title, found.language, _short(best.passage), best.score
        )
        match = match if best.passage else self._whole(found, match)
        return self.translated(match, language) if language else match

    def translated(self, match: ArticleMatch, language: str) -> ArticleMatch:
        """The same answer from the article's translation into ``language``, if there is one
        (its summary: passages do not line up across languages)."""
        found = self._articles.get(match.article_id)
        if found is None or found.language == language:
            return match
        family = [a for a in self._articles.values() if a.family == found.family]
        shown = in_language(family, language).get(found.family, found)
        return match if shown.id == found.id else self._whole(shown, match)

    @staticmethod
    def _whole(article: Article, match: ArticleMatch) -> ArticleMatch:
        return ArticleMatch(
            article.id, article.title, article.language, summary(article.body), match.score
        )


def _short(text: str, limit: int = 400) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def self_service(
    store: Store, classifier: Classifier, base_url: str, contact: str
) -> SelfServiceDialogue:
    """The knowledge-base answers and the desk facts, as the engine's ``answers`` (bot/app)."""
    from .dialogues.desk_info import DeskInfo
    from .dialogues.self_service import SelfServiceDialogue

    return SelfServiceDialogue(ArticleFinder(store, classifier), base_url, DeskInfo(contact))
