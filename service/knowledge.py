"""The knowledge base: who may write articles, and articles as Markdown files with front matter.

Admins and managers write articles; every agent reads them (drafts too); customers see only
published ones (the help centre, the bot). The same rules hold for the agent API and the console;
the command line (``frontdesk articles import/export``) acts as the operator.

A file is YAML front matter between ``---`` lines, then the Markdown body::

    ---
    title: Inviting a colleague
    language: en
    tags: [team]
    intents: [add_team_member]
    published: true
    ---
    Go to **Team → Members** and press **Invite**.

Export names each file ``{id}-{slug}.md`` and writes ``id`` (and ``translation_of``) into the
front matter, so importing an exported folder again updates those articles instead of copying.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from models import Agent, AgentRole, Forbidden, NotFound, ValidationError
from models.articles import DEFAULT_LANGUAGE, MAX_TITLE, WORD, Article, parse_article
from models.inputs import parse_row_id

if TYPE_CHECKING:
    from store.database import Store
    from store.unit_of_work import UnitOfWork

FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)(.*)\Z", re.DOTALL)


def _may_write(agent: Agent | None) -> None:
    if agent is not None and not agent.role.at_least(AgentRole.MANAGER):
        raise Forbidden(f"only a manager or above may change articles; you are {agent.role.value}")


def _apply(article: Article, fields: dict[str, Any]) -> None:
    for name, value in fields.items():
        setattr(article, name, value)


class ArticleBook:
    """Create, change, delete and list articles (``agent`` None: the operator's command line)."""

    def __init__(self, store: Store, clock: Callable[[], datetime]) -> None:
        self.store = store
        self.clock = clock

    async def create(self, agent: Agent | None, body: dict[str, Any]) -> Article:
        _may_write(agent)
        fields = parse_article(body)
        article = Article(id=0, title=fields.pop("title"), body=fields.pop("body"))
        article.author = agent.name if agent is not None else None
        _apply(article, fields)

        async def work(uow: UnitOfWork) -> Article:
            await self._check_translation(uow, article)
            return await uow.articles.add(article, self.clock())

        return await self.store.write(work)

    async def change(self, agent: Agent | None, article_id: Any, body: dict[str, Any]) -> Article:
        _may_write(agent)
        fields = parse_article(body, partial=True)
        wanted = parse_row_id(article_id, "the article id")

        async def work(uow: UnitOfWork) -> Article:
            article = await uow.articles.get(wanted)
            _apply(article, fields)
            await self._check_translation(uow, article)
            await uow.articles.save(article, self.clock())
            return article

        return await self.store.write(work)

    async def delete(self, agent: Agent | None, article_id: Any) -> None:
        _may_write(agent)
        wanted = parse_row_id(article_id, "the article id")

        async def work(uow: UnitOfWork) -> None:
            await uow.articles.get(wanted)
            await uow.articles.delete(wanted)

        await self.store.write(work)

    async def get(self, article_id: Any, *, published_only: bool = False) -> Article:
        wanted = parse_row_id(article_id, "the article id")
        article = await self.store.read(lambda uow: uow.articles.get(wanted))
        if published_only and not article.published:
            raise NotFound(f"article {wanted} does not exist")
        return article

    async def listed(self, *, published_only: bool = False) -> list[Article]:
        return await self.store.read(lambda uow: uow.articles.listed(published_only=published_only))

    @staticmethod
    async def _check_translation(uow: UnitOfWork, article: Article) -> None:
        """A translation names an existing original (not itself, not another translation)."""
        if article.translation_of is None:
            return
        if article.translation_of == article.id:
            raise ValidationError('"translation_of" cannot name the article itself')
        try:
            original = await uow.articles.get(article.translation_of)
        except NotFound:  # like any other id a body names that is unknown: 404
            raise NotFound(
                f'"translation_of": article {article.translation_of} does not exist'
            ) from None
        article.translation_of = original.family

    # -- files ----------------------------------------------------------------------------------

    async def import_files(self, files: list[ArticleFile]) -> ImportResult:
        """Create, or update (by ``id`` in the front matter), one article per file."""
        result = ImportResult()
        for file in files:
            try:
                if file.id is not None and await self._exists(file.id):
                    await self.change(None, file.id, file.fields)
                    result.updated.append(file.id)
                else:
                    result.created.append((await self.create(None, file.fields)).id)
            except ValidationError as error:
                raise ValidationError(f"{file.name}: {error}") from None
        return result

    async def _exists(self, article_id: int) -> bool:
        try:
            await self.get(article_id)
        except NotFound:
            return False
        return True


@dataclass(frozen=True, slots=True)
class ArticleFile:
    name: str
    id: int | None
    fields: dict[str, Any]


def read_folder(folder: Path) -> list[ArticleFile]:
    """Every ``*.md`` file of ``folder``, parsed (ValidationError naming the file if one is bad)."""
    if not folder.is_dir():
        raise ValidationError(f"{folder} is not a folder")
    files = []
    for path in sorted(folder.glob("*.md")):
        try:
            files.append(ArticleFile(path.name, *read_file(path.read_text(encoding="utf-8"))))
        except (ValidationError, UnicodeDecodeError) as error:
            raise ValidationError(f"{path.name}: {error}") from None
    return files


def write_folder(folder: Path, articles: Iterable[Article]) -> list[Path]:
    """One ``{id}-{slug}.md`` file per article in ``folder`` (made if missing)."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for article in sorted(articles, key=lambda a: a.id):
        path = folder / f"{article.id}-{slug(article.title)}.md"
        path.write_text(write_file(article), encoding="utf-8")
        written.append(path)
    return written


@dataclass
class ImportResult:
    created: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)


def slug(title: str) -> str:
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")[:60] or "article"


def read_file(text: str) -> tuple[int | None, dict[str, Any]]:
    """``(id or None, fields for parse_article)`` of one Markdown file with front matter."""
    found = FRONT_MATTER.match(text.lstrip("\ufeff"))
    if found is None:
        raise ValidationError("no front matter (a '---' line, 'title: ...', a '---' line)")
    try:
        meta = yaml.safe_load(found.group(1)) or {}
    except yaml.YAMLError as error:
        raise ValidationError(f"the front matter is not YAML: {error}") from None
    if not isinstance(meta, dict):
        raise ValidationError("the front matter must be 'key: value' lines")
    raw_id = meta.pop("id", None)
    meta.pop("author", None)
    meta.pop("updated_at", None)
    fields = {str(k): v for k, v in meta.items()}
    fields["body"] = found.group(2).strip("\n")
    fields.setdefault("language", DEFAULT_LANGUAGE)
    article_id = None if raw_id is None else parse_row_id(raw_id, '"id"')
    return article_id, fields


def write_file(article: Article) -> str:
    meta: dict[str, Any] = {
        "id": article.id,
        "title": article.title,
        "language": article.language,
        "tags": list(article.tags),
        "intents": list(article.intents),
        "published": article.published,
    }
    if article.translation_of is not None:
        meta["translation_of"] = article.translation_of
    if article.author:
        meta["author"] = article.author
    if article.updated_at is not None:
        meta["updated_at"] = article.updated_at.isoformat()
    head = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, default_flow_style=None)
    return f"---\n{head}---\n{article.body.rstrip()}\n"


def word_score(article: Article, words: list[str]) -> int:
    """How many of ``words`` the article contains (a title word counts double)."""
    from .article_text import plain_text

    title, text = article.title.lower(), plain_text(article.body).lower()
    return sum(2 * (w in title) + (w in text) for w in words if w in title or w in text)


def ranked(articles: Iterable[Article], query: str, min_length: int = 2) -> list[Article]:
    """The articles containing words of ``query``, most words first (ties: by title)."""
    words = [w for w in re.findall(r"\w+", query.lower()) if len(w) >= min_length]
    scored = [(word_score(a, words), a) for a in articles]
    return [a for score, a in sorted(scored, key=lambda p: (-p[0], p[1].title)) if score > 0]


def draft_from_ticket(description: str, resolution: str, intent: str) -> dict[str, Any]:
    """The fields of a draft article made from a resolved ticket (an agent edits it later)."""
    first = re.split(r"(?<=[.!?])\s", description.strip(), maxsplit=1)[0]
    title = first if len(first) <= MAX_TITLE else first[: MAX_TITLE - 1].rstrip() + "…"
    fields: dict[str, Any] = {
        "title": title,
        "body": f"## The question\n\n{description.strip()}\n\n"
        f"## The answer\n\n{resolution.strip()}",
        "tags": ["from-ticket"],
        "published": False,
    }
    if WORD.match(intent) and intent != "unknown":
        fields["intents"] = [intent]
    return fields


def in_language(articles: Iterable[Article], language: str) -> dict[int, Article]:
    """Per family, the article in ``language``, else the original (English), else any."""

    def rank(article: Article) -> int:
        return 2 if article.language == language else 1 if article.translation_of is None else 0

    chosen: dict[int, Article] = {}
    for article in articles:
        current = chosen.get(article.family)
        if current is None or rank(article) > rank(current):
            chosen[article.family] = article
    return chosen
