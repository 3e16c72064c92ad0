"""The knowledge base over the agent API (#13): ``/api/agent/articles``.

Every agent may read articles (drafts too) and the articles suggested for a ticket; creating,
changing and deleting one, or drafting one from a resolved ticket, needs the manager role (403
otherwise). Bad fields are 400, an unknown article 404 (see
``service/knowledge.py`` and ``models/articles.py`` for the rules).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

from models import AgentRole, Conflict
from models.articles import Article
from service.knowledge import ArticleBook, draft_from_ticket, ranked

from .api import SESSION, agent_endpoint, json_body, row_id_of, services, ticket_id_of
from .service import HandoffServices

if TYPE_CHECKING:
    from store.unit_of_work import UnitOfWork

MAX_SUGGESTIONS = 3


def _book(request: web.Request) -> ArticleBook:
    svc = services(request)
    return ArticleBook(svc.store, svc.desk.clock)


def _article_id(request: web.Request) -> int:
    return row_id_of(request, "article")


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


async def suggestions(svc: HandoffServices, ticket_id: int) -> list[Article]:
    """Published articles for a ticket: the one the bot offered first, then those sharing the
    most words with the ticket's description (three at most)."""

    async def read(uow: UnitOfWork) -> tuple[Any, list[Any], list[Article]]:
        ticket = await uow.tickets.get(ticket_id)
        events = await uow.events.for_ticket(ticket_id)
        return ticket, events, await uow.articles.listed(published_only=True)

    ticket, events, articles = await svc.store.read(read)
    offered = {
        e.new.split(" ", 1)[0].lstrip("#") for e in events if e.kind == "article_offered" and e.new
    }
    first = [a for a in articles if str(a.id) in offered]
    rest = [a for a in ranked(articles, ticket.description, min_length=4) if a not in first]
    return (first + rest)[:MAX_SUGGESTIONS]


@agent_endpoint()
async def ticket_articles(request: web.Request) -> web.Response:
    found = await suggestions(services(request), ticket_id_of(request))
    return web.json_response({"suggested": [a.as_json() for a in found]})


@agent_endpoint(AgentRole.MANAGER)
async def draft_article(request: web.Request) -> web.Response:
    """A resolved ticket's question and answer as a draft article (edited, then published)."""
    svc = services(request)
    ticket = await svc.store.read(lambda uow: uow.tickets.get(ticket_id_of(request)))
    if not ticket.resolution:
        raise Conflict(f"{ticket.public_id} has no resolution yet to turn into an article")
    fields = draft_from_ticket(ticket.description, ticket.resolution, ticket.intent)
    article = await _book(request).create(request[SESSION].agent, fields)
    return web.json_response(article.as_json(), status=201)


def add_knowledge_routes(app: web.Application) -> None:
    r = app.router
    r.add_get("/api/agent/articles", list_articles)
    r.add_post("/api/agent/articles", create_article)
    r.add_get("/api/agent/articles/{article_id}", get_article)
    r.add_patch("/api/agent/articles/{article_id}", change_article)
    r.add_delete("/api/agent/articles/{article_id}", delete_article)
    r.add_get("/api/agent/tickets/{ticket_id}/articles", ticket_articles)
    r.add_post("/api/agent/tickets/{ticket_id}/draft-article", draft_article)
