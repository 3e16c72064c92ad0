"""The console's Articles page: managers and admins keep the knowledge base (``/console/articles``).

The list shows every article, drafts included; an article's page edits its Markdown body, tags,
language, intents and published/draft state over the agent API (``handoff/knowledge_api.py``)
and shows the body as the help centre will, rendered by ``service.article_text.to_html`` (raw
HTML shown as text, only http(s) and mailto links kept), beside the console's script-only CSP.
An agent's "Draft a help article from this resolution" on a ticket lands on the new draft here.
Mounted by the composition root with :func:`add_articles_page`.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from markupsafe import Markup

from models import AgentRole, Forbidden
from models.articles import Article
from service.article_text import to_html
from service.knowledge import ArticleBook

from .api import row_id_of, services
from .console import add_page, page_session, render_page
from .error_pages import console_page

LANGUAGES = ("en", "de", "fr", "es")
"""Offered in the form first; any two-letter code is accepted."""


async def _book(request: web.Request) -> ArticleBook:
    """The knowledge base, for a signed-in manager or admin (else Forbidden: the error page)."""
    session = await page_session(request)
    if not session.agent.role.at_least(AgentRole.MANAGER):
        raise Forbidden("The knowledge base is kept by managers and admins.")
    svc = services(request)
    return ArticleBook(svc.store, svc.desk.clock)


async def articles_page(request: web.Request) -> web.Response:
    articles = await (await _book(request)).listed()
    drafts = sum(1 for a in articles if not a.published)
    context = {"articles": articles, "drafts": drafts, "fragment_template": "_articles_live.html"}
    return await render_page(request, "articles.html", context)


def _form(article: Article | None) -> dict[str, Any]:
    languages = list(LANGUAGES)
    if article is not None and article.language not in languages:
        languages.append(article.language)
    return {
        "article": article,
        "languages": languages,
        "preview": Markup(to_html(article.body)) if article is not None else None,
        "fragment_template": "_article_preview.html",
    }


async def new_article_page(request: web.Request) -> web.Response:
    await _book(request)
    return await render_page(request, "article_form.html", _form(None))


async def article_page(request: web.Request) -> web.Response:
    article = await (await _book(request)).get(row_id_of(request, "article"))
    return await render_page(request, "article_form.html", _form(article))


def add_articles_page(app: web.Application) -> None:
    """The Articles page in the nav (managers and admins), its new-article and edit pages."""
    add_page(app, "Articles", "/console/articles", articles_page, role=AgentRole.MANAGER)
    app.router.add_get("/console/articles/new", console_page(new_article_page))
    app.router.add_get("/console/articles/{article_id}", console_page(article_page))
