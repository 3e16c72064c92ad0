"""The knowledge base's articles (#13)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from models import NotFound
from models.articles import Article

from . import tables as t

_A = t.articles
_STAMP = select(func.max(_A.c.updated_at), func.count()).select_from(_A)


def _article(row: Any) -> Article:
    return Article(
        id=row["id"],
        title=row["title"],
        body=row["body"],
        language=row["language"],
        tags=tuple(row["tags"] or ()),
        intents=tuple(row["intents"] or ()),
        published=bool(row["published"]),
        author=row["author"],
        translation_of=row["translation_of"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def _values(article: Article) -> dict[str, Any]:
    return {
        "title": article.title,
        "body": article.body,
        "language": article.language,
        "tags": list(article.tags),
        "intents": list(article.intents),
        "published": article.published,
        "author": article.author,
        "translation_of": article.translation_of,
    }


class ArticleRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def add(self, article: Article, now: datetime) -> Article:
        result = await self.conn.execute(
            insert(_A).values(**_values(article), created_at=now, updated_at=now).returning(_A.c.id)
        )
        article.id = int(result.scalar_one())
        article.created_at = article.updated_at = now
        return article

    async def get(self, article_id: int) -> Article:
        row = (await self.conn.execute(select(_A).where(_A.c.id == article_id))).mappings().first()
        if row is None:
            raise NotFound(f"article {article_id} does not exist")
        return _article(row)

    async def listed(self, *, published_only: bool = False) -> list[Article]:
        """Every article (or the published ones), newest change first."""
        query = select(_A).order_by(_A.c.updated_at.desc(), _A.c.id.desc())
        if published_only:
            query = query.where(_A.c.published.is_(True))
        return [_article(r) for r in (await self.conn.execute(query)).mappings()]

    async def save(self, article: Article, now: datetime) -> None:
        await self.conn.execute(
            update(_A).where(_A.c.id == article.id).values(**_values(article), updated_at=now)
        )
        article.updated_at = now

    async def delete(self, article_id: int) -> None:
        """Delete one article; its translations stay, as originals of their own."""
        await self.conn.execute(
            update(_A).where(_A.c.translation_of == article_id).values(translation_of=None)
        )
        await self.conn.execute(delete(_A).where(_A.c.id == article_id))

    async def stamp(self) -> tuple[datetime | None, int]:
        """When an article last changed, and how many there are: moves with every change (the
        bot rebuilds its index then)."""
        row = (await self.conn.execute(_STAMP)).one()
        return row[0], int(row[1])
