"""The knowledge base over the agent API (#13): ``/api/agent/articles``.

Every agent may read articles (drafts too); creating, changing and deleting one needs the
manager role (403 otherwise). Bad fields are 400, an unknown article 404 (see
``service/knowledge.py`` and ``models/articles.py`` for the rules).
"""

from __future__ import annotations

from aiohttp import web

from models import NotFound, ValidationError
from models.inputs import parse_row_id
from service.knowledge import ArticleBook

from .api import SESSION, agent_endpoint, json_body, services


def _book(request: web.Request) -> ArticleBook:
    svc = services(request)
    return ArticleBook(svc.store, svc.desk.clock)


def _article_id(request: web.Request) -> int:
    raw = request.match_info["article_id"]
    try:
        return parse_row_id(raw, "article")
    except ValidationError:
        raise NotFound(f"article {raw[:40]} does not exist") from None


@agent_endpoint()
async def list_articles(request: web.Request) -> web.Response:
    found = await _book(request).listed()
    language = request.query.get("language")
    if language:
        found = [a for a in found if a.language == language]
    return web.json_response({"articles": [a.as_json() for a in found]})


@agent_endpoint()
async def create_article(request: web.Request) -> web.Response:
    article = await _book(request).create(request[SESSION].agent, await json_body(request))
    return web.json_response(article.as_json(), status=201)


@agent_endpoint()
async def get_article(request: web.Request) -> web.Response:
    return web.json_response((await _book(request).get(_article_id(request))).as_json())


@agent_endpoint()
async def change_article(request: web.Request) -> web.Response:
    body = await json_body(request)
    article = await _book(request).change(request[SESSION].agent, _article_id(request), body)
    return web.json_response(article.as_json())


@agent_endpoint()
async def delete_article(request: web.Request) -> web.Response:
    await _book(request).delete(request[SESSION].agent, _article_id(request))
    return web.json_response({"deleted": True})


def add_knowledge_routes(app: web.Application) -> None:
    r = app.router
    r.add_get("/api/agent/articles", list_articles)
    r.add_post("/api/agent/articles", create_article)
    r.add_get("/api/agent/articles/{article_id}", get_article)
    r.add_patch("/api/agent/articles/{article_id}", change_article)
    r.add_delete("/api/agent/articles/{article_id}", delete_article)
