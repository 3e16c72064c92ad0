"""Files on the agent API (``handoff/files_api.py``) in the OpenAPI document."""

from __future__ import annotations

from typing import Any

from .common import CSRF_HEADER, SECURITY, TICKET_ID, agent_errors, json_answer
from .webchat import FILE, THUMBNAIL

FILES_PATHS: dict[str, Any] = {
    "/api/agent/attachments/{attachment_id}": {
        "parameters": [
            {"name": "attachment_id", "in": "path", "required": True, "schema": {"type": "integer"}}
        ],
        "get": {
            "summary": "A file sent with any ticket's message (signed-in agents)",
            "operationId": "getTicketFile",
            "security": SECURITY,
            "parameters": [THUMBNAIL],
            "responses": {"200": FILE, **agent_errors(401, e404="Unknown file")},
        },
    },
    "/api/agent/tickets/{ticket_id}/attachments": {
        "parameters": [TICKET_ID],
        "post": {
            "summary": "Reply with a file (or an internal note with one)",
            "description": "Each channel delivers the file natively; a reply to the customer "
            "takes the conversation over as a text reply does.",
            "operationId": "replyWithFile",
            "security": SECURITY,
            "parameters": [CSRF_HEADER],
            "requestBody": {
                "required": True,
                "content": {
                    "multipart/form-data": {
                        "schema": {
                            "type": "object",
                            "required": ["file"],
                            "additionalProperties": False,
                            "properties": {
                                "file": {"type": "string", "format": "binary"},
                                "text": {"type": "string", "maxLength": 4000},
                                "internal": {"type": "string", "enum": ["true", "false"]},
                            },
                        }
                    }
                },
            },
            "responses": {
                "201": json_answer(
                    {"type": "object", "properties": {"message": {"type": "object"}}},
                    "The message with its file",
                ),
                **agent_errors(400, 401, 403, 404, 409, 413, 415),
            },
        },
    },
}
