"""The knowledge base on the agent API (``handoff/knowledge_api.py``) in the OpenAPI document.

The patterns say exactly what ``models/articles.py`` accepts, so a generated request the
document calls valid is accepted and one it calls invalid is refused.
"""

from __future__ import annotations

from typing import Any

from models.articles import MAX_BODY, MAX_TAGS, MAX_TITLE

from .common import (
    CSRF_HEADER,
    INT64_MAX,
    NOT_BLANK,
    SECURITY,
    TICKET_ID,
    agent_errors,
    json_answer,
)

ARTICLE = {"$ref": "#/components/schemas/Article"}
ARTICLE_ID = {
    "name": "article_id",
    "in": "path",
    "required": True,
    "schema": {"type": "integer"},
}
_WORD = "[A-Za-z0-9][A-Za-z0-9_-]{0,63}"
WORDS = {
    "description": f"Lower-case words (a-z, 0-9, - and _), at most {MAX_TAGS}: a list, or one "
    "string of words separated by commas or spaces",
    "nullable": True,
    "anyOf": [
        {
            "type": "array",
            "maxItems": MAX_TAGS,
            "items": {"type": "string", "pattern": f"^\\s*{_WORD}\\s*$"},
        },
        {
            "type": "string",
            "pattern": f"^[,\\s]*({_WORD}([,\\s]+{_WORD}){{0,{MAX_TAGS - 1}}}[,\\s]*)?$",
        },
    ],
}
FIELDS: dict[str, Any] = {
    "title": {"type": "string", "minLength": 1, "maxLength": MAX_TITLE, "pattern": NOT_BLANK},
    "body": {
        "type": "string",
        "minLength": 1,
        "maxLength": MAX_BODY,
        "pattern": NOT_BLANK,
        "description": "Markdown; raw HTML is shown as text and only http(s) and mailto links "
        "are kept when it is rendered",
    },
    "language": {
        "type": "string",
        "pattern": "^\\s*[A-Za-z]{2}\\s*$",
        "description": "Two letters (en, de, fr, es...); English when not given",
    },
    "tags": WORDS,
    "intents": {**WORDS, "description": "The intents it answers (the bot offers it for them)"},
    "published": {"type": "boolean", "description": "Drafts are seen by agents only"},
    "translation_of": {
        "description": "The article this one translates (its original); unknown: 404",
        "nullable": True,
        "anyOf": [
            {"type": "integer", "minimum": 1, "maximum": INT64_MAX},
            {"type": "string", "pattern": "^0*[1-9][0-9]{0,17}(?!\\n)$"},
        ],
    },
}


def _article_body(required: list[str] | None) -> dict[str, Any]:
    schema: dict[str, Any] = {
        "type": "object",
        "properties": FIELDS,
        "additionalProperties": False,
        "minProperties": 1,
    }
    if required:
        schema["required"] = required
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def _write(summary: str, op: str, *, body: dict[str, Any] | None = None) -> dict[str, Any]:
    """A manager's change: session, CSRF token and the manager role."""
    spec: dict[str, Any] = {
        "summary": summary,
        "operationId": op,
        "security": SECURITY,
        "parameters": [CSRF_HEADER],
    }
    if body is not None:
        spec["requestBody"] = body
    return spec


_ARTICLES = json_answer(
    {
        "type": "object",
        "required": ["articles"],
        "properties": {"articles": {"type": "array", "items": ARTICLE}},
    },
    "Every article, drafts included, newest change first",
)
_UNKNOWN_ARTICLE = {"e404": "Unknown article"}

KNOWLEDGE_PATHS: dict[str, Any] = {
    "/api/agent/articles": {
        "get": {
            "summary": "The knowledge base (any agent)",
            "operationId": "listArticles",
            "security": SECURITY,
            "parameters": [
                {
                    "name": "language",
                    "in": "query",
                    "description": "Only the articles in this language",
                    "schema": {"type": "string"},
                }
            ],
            "responses": {"200": _ARTICLES, **agent_errors(401)},
        },
        "post": {
            **_write("Write an article (managers and admins)", "createArticle"),
            "requestBody": _article_body(["title", "body"]),
            "responses": {
                "201": json_answer(ARTICLE, "Created"),
                **agent_errors(400, 401, 403, e404="The original it translates is unknown"),
            },
        },
    },
    "/api/agent/articles/{article_id}": {
        "parameters": [ARTICLE_ID],
        "get": {
            "summary": "One article, draft or published (any agent)",
            "operationId": "getArticle",
            "security": SECURITY,
            "responses": {
                "200": json_answer(ARTICLE, "The article"),
                **agent_errors(401, **_UNKNOWN_ARTICLE),
            },
        },
        "patch": {
            **_write("Change an article: any of its fields (managers and admins)", "changeArticle"),
            "requestBody": _article_body(None),
            "responses": {
                "200": json_answer(ARTICLE, "The article after"),
                **agent_errors(400, 401, 403, e404="Unknown article, or the original it names"),
            },
        },
        "delete": {
            **_write("Delete an article (managers and admins)", "deleteArticle"),
            "responses": {
                "200": json_answer(
                    {"type": "object", "properties": {"deleted": {"type": "boolean"}}}, "Deleted"
                ),
                **agent_errors(401, 403, **_UNKNOWN_ARTICLE),
            },
        },
    },
    "/api/agent/tickets/{ticket_id}/articles": {
        "parameters": [TICKET_ID],
        "get": {
            "summary": "Published articles that may answer the ticket (the one the bot offered "
            "first), three at most",
            "operationId": "suggestArticles",
            "security": SECURITY,
            "responses": {
                "200": json_answer(
                    {
                        "type": "object",
                        "required": ["suggested"],
                        "properties": {"suggested": {"type": "array", "items": ARTICLE}},
                    },
                    "The suggestions",
                ),
                **agent_errors(401, 404),
            },
        },
    },
    "/api/agent/tickets/{ticket_id}/draft-article": {
        "parameters": [TICKET_ID],
        "post": {
            **_write(
                "Turn a resolved ticket's question and resolution into a draft article "
                "(managers and admins)",
                "draftArticle",
            ),
            "responses": {
                "201": json_answer(ARTICLE, "The draft, to edit and publish"),
                **agent_errors(401, 403, 404, e409="The ticket has no resolution yet"),
            },
        },
    },
}

_WHEN = {"type": "string", "format": "date-time", "nullable": True}
KNOWLEDGE_SCHEMAS: dict[str, Any] = {
    "Article": {
        "type": "object",
        "required": ["id", "title", "body", "language", "tags", "intents", "published", "url"],
        "properties": {
            "id": {"type": "integer"},
            "title": {"type": "string"},
            "body": {"type": "string", "description": "Markdown"},
            "language": {"type": "string"},
            "tags": {"type": "array", "items": {"type": "string"}},
            "intents": {"type": "array", "items": {"type": "string"}},
            "published": {"type": "boolean"},
            "author": {"type": "string", "nullable": True},
            "translation_of": {"type": "integer", "nullable": True},
            "created_at": _WHEN,
            "updated_at": _WHEN,
            "url": {"type": "string", "description": "Its page in the help centre (published)"},
        },
    },
}
