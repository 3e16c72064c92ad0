"""The one OpenAPI 3 document of the whole HTTP API, served at ``/api/openapi.json``.

Every endpoint of ``/api/`` is described here, one module per part (the modules share
``common``): web chat with its files (``webchat``), the agent API's tickets, login and agents
(``tickets``, ``agents``), the workspace (``workspace``: search, tags, macros, merges, presence,
the report), the knowledge base (``knowledge``), agents' files (``files``), the embeddable widget
(``widget``), the customers' organisations (``organisations``) and who views which ticket
(``viewers``).
``tests/test_api_fuzz.py`` runs schemathesis over it against a live server, and
``tests/bot/test_openapi.py`` checks that every ``/api/`` route of the app is in it.
"""

from __future__ import annotations

import copy
from typing import Any

from .agents import AGENTS_PATHS
from .files import FILES_PATHS
from .knowledge import KNOWLEDGE_PATHS, KNOWLEDGE_SCHEMAS
from .organisations import ORGANISATION_PATHS
from .tickets import AGENT_PATHS, AGENT_SCHEMAS
from .viewers import VIEWERS_PATHS
from .webchat import SCHEMAS, WEBCHAT_PATHS
from .widget import WIDGET_PATHS
from .workspace import extend

__all__ = ["build_openapi"]


def build_openapi() -> dict[str, Any]:
    """A fresh document (callers may change theirs without touching the next one's)."""
    paths: dict[str, Any] = copy.deepcopy(
        {
            **WEBCHAT_PATHS,
            **AGENT_PATHS,
            **AGENTS_PATHS,
            **KNOWLEDGE_PATHS,
            **FILES_PATHS,
            **WIDGET_PATHS,
            **ORGANISATION_PATHS,
            **VIEWERS_PATHS,
        }
    )
    schemas: dict[str, Any] = copy.deepcopy({**SCHEMAS, **AGENT_SCHEMAS, **KNOWLEDGE_SCHEMAS})
    extend(paths, schemas)  # the workspace's paths, and its fields on tickets and replies
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Frontdesk API",
            "version": "0.1.0",
            "description": "Web chat for customers and the agent API of the console.",
        },
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "chatToken": {"type": "http", "scheme": "bearer"},
                "agentSession": {"type": "apiKey", "in": "cookie", "name": "frontdesk_session"},
            },
        },
    }
