"""The embeddable widget's endpoints (``bot/widget.py``, ``handoff/widget_admin.py``) in the
OpenAPI document: its public look, the admins' settings and the agents' typing signal."""

from __future__ import annotations

from typing import Any

from .common import CSRF_HEADER, NOT_BLANK, SECURITY, TICKET_ID, agent_errors, json_answer

_LABEL = "[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
ORIGIN = (  # models.widget.parse_origin: scheme and host, an optional port, no path
    f"^\\s*$|^\\s*[Hh][Tt][Tt][Pp][Ss]?://{_LABEL}(\\.{_LABEL})*(:[0-9]{{1,4}})?/*\\s*$"
)
LOOK: dict[str, Any] = {
    "colour": {"type": "string", "pattern": "^\\s*#[0-9A-Fa-f]{6}\\s*$"},
    "title": {"type": "string", "minLength": 1, "maxLength": 60, "pattern": NOT_BLANK},
    "greeting": {"type": "string", "maxLength": 500},
    "position": {"type": "string", "enum": ["right", "left"]},
    "ask_email": {"type": "boolean", "description": "An optional email field before chatting"},
}
WIDGET_SCHEMA = {
    "type": "object",
    "properties": {
        **{name: {"type": spec["type"]} for name, spec in LOOK.items()},
        "allowed_origins": {"type": "array", "items": {"type": "string"}},
    },
}

WIDGET_PATHS: dict[str, Any] = {
    "/api/widget/config": {
        "get": {
            "summary": "The widget's look, for /widget.js on any page",
            "operationId": "widgetConfig",
            "responses": {
                "200": json_answer(
                    {"type": "object", "properties": WIDGET_SCHEMA["properties"]}, "The look"
                )
            },
        }
    },
    "/api/agent/widget": {
        "get": {
            "summary": "The widget's settings, with the sites that may embed it (admins)",
            "operationId": "getWidget",
            "security": SECURITY,
            "responses": {
                "200": json_answer(
                    {"type": "object", "properties": {"widget": WIDGET_SCHEMA}}, "The settings"
                ),
                **agent_errors(401, 403, e404="This front desk serves no widget"),
            },
        },
        "put": {
            "summary": "Change any of the widget's settings (admins); the others stay",
            "operationId": "putWidget",
            "security": SECURITY,
            "parameters": [CSRF_HEADER],
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "additionalProperties": False,
                            "properties": {
                                **LOOK,
                                "allowed_origins": {
                                    "type": "array",
                                    "maxItems": 50,
                                    "items": {"type": "string", "pattern": ORIGIN},
                                    "description": "Sites that may embed the chat, e.g. "
                                    "https://www.example.com",
                                },
                            },
                        }
                    }
                },
            },
            "responses": {
                "200": json_answer(
                    {"type": "object", "properties": {"widget": WIDGET_SCHEMA}}, "Saved"
                ),
                **agent_errors(400, 401, 403, e404="This front desk serves no widget"),
            },
        },
    },
    "/api/agent/tickets/{ticket_id}/typing": {
        "parameters": [TICKET_ID],
        "post": {
            "summary": "I am typing a reply to this ticket's customer (false: I stopped)",
            "operationId": "agentTyping",
            "security": SECURITY,
            "parameters": [CSRF_HEADER],
            "requestBody": {
                "required": False,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "properties": {
                                "typing": {"description": "false: stopped; else: typing"}
                            },
                        }
                    }
                },
            },
            "responses": {
                "200": json_answer(
                    {"type": "object", "properties": {"typing": {"type": "boolean"}}},
                    "What the customer is shown",
                ),
                **agent_errors(400, 401, 403, 404),
            },
        },
    },
}
