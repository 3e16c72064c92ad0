"""The public help centre: published articles at ``/help`` (list and search) and
``/help/articles/{id}``, in the web-chat widget's style.

Bodies are rendered by :func:`service.article_text.to_html` (raw HTML off, links sanitised) and
the pages send the site-wide CSP (no inline script), so an article cannot run anything. A
customer's language (``?lang=fr``, else the browser's ``Accept-Language``) picks the translation
of each article; English (the original) is the fallback.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import jinja2
from aiohttp import web
from babel.dates import format_date
from markupsafe import Markup

from models import NotFound
from models.articles import LANGUAGE, Article
from models.inputs import parse_row_id
from models.texts import N_, _
from service.article_text import summary, to_html
from service.i18n import Translator
from service.knowledge import in_language, ranked

if TYPE_CHECKING:
    from store.database import Store

TEMPLATES = Path(__file__).resolve().parent / "templates" / "help"
JINJA = web.AppKey("help_jinja", jinja2.Environment)
STORE_OF = web.AppKey("help_store_of", object)
MAX_QUERY = 200
PAGE_WORDS = {
    "centre": N_("Help centre"),
    "search_label": N_("Search the help centre"),
    "search_placeholder": N_("Search articles"),
    "search": N_("Search"),
    "chat": N_("Chat with us"),
    "all": N_("All articles"),
    "updated": N_("Updated"),
    "also_in": N_("Also in:"),
    "still": N_("Still need help? Chat with us."),
    "welcome": N_("How can we help?"),
    "no_match": N_("No article matches."),
    "ask": N_("Ask us in the chat and we'll help."),
    "empty": N_("No articles yet."),
}
"""The pages' own words, in the reader's language (the articles are in theirs where written)."""


def browser_language(request: web.Request) -> str:
    """``?lang=`` if given, else the first two-letter language of ``Accept-Language``."""
    wanted = request.query.get("lang", "").strip().lower()
    if LANGUAGE.match(wanted):
        return wanted
    for part in request.headers.get("Accept-Language", "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if LANGUAGE.match(code):
            return code
    return "en"


async def _published(request: web.Request) -> list[Article]:
    store: Store = request.app[STORE_OF](request)  # type: ignore[operator]
    return await store.read(lambda uow: uow.articles.listed(published_only=True))


def _render(request: web.Request, template: str, language: str, **context: object) -> web.Response:
    words = Translator(language)
    context["words"] = {key: words.gettext(msgid) for key, msgid in PAGE_WORDS.items()}
    context["date"] = lambda moment: format_date(moment, "medium", locale=words.language)
    context["say"] = words.text
    html = request.app[JINJA].get_template(template).render(language=language, **context)
    return web.Response(text=html, content_type="text/html")


async def help_index(request: web.Request) -> web.Response:
    language = browser_language(request)
    query = request.query.get("q", "").strip()[:MAX_QUERY]
    shown = list(in_language(await _published(request), language).values())
    if query:
        shown = ranked(shown, query)
    else:
        shown.sort(key=lambda a: a.title.lower())
    items = [{"article": a, "summary": summary(a.body, 160)} for a in shown]
    results = _("Results for “{query}”", query=query)
    return _render(request, "index.html", language, items=items, query=query, results=results)


async def help_article(request: web.Request) -> web.Response:
    try:
        wanted = parse_row_id(request.match_info["article_id"], "article")
    except Exception:
        raise NotFound("no such article") from None
    articles = await _published(request)
    article = next((a for a in articles if a.id == wanted), None)
    if article is None:
        raise NotFound(f"article {wanted} does not exist")
    language = browser_language(request)
    if "lang" in request.query and article.language != language:
        family = [a for a in articles if a.family == article.family]
        article = in_language(family, language).get(article.family, article)
    others = [a for a in articles if a.family == article.family and a.id != article.id]
    return _render(
        request,
        "article.html",
        article=article,
        html=Markup(to_html(article.body)),
        translations=sorted(others, key=lambda a: a.language),
        language=article.language,
    )


def add_routes(app: web.Application, store_of: Callable[[web.Request], Store]) -> None:
    app[JINJA] = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    app[STORE_OF] = store_of
    app.router.add_get("/help", help_index)
    app.router.add_get("/help/", help_index)
    app.router.add_get("/help/articles/{article_id}", help_article)
