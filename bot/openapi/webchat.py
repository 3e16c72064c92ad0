"""Web chat's part of the OpenAPI document: the customer's session, messages, files, health."""

from __future__ import annotations

from typing import Any

from .common import ERROR, json_answer


def _errors(*codes: int) -> dict[str, Any]:
    text = {
        400: "Bad input",
        401: "Missing or wrong token",
        404: "Unknown session (or file)",
        413: "The file is larger than 10 MB",
        415: "Not an image, a PDF or text",
        429: "Too many messages; see Retry-After",
    }
    return {str(c): json_answer(ERROR, text[c]) for c in codes}


EMAIL = r"^$|^[^@ \t\r\n]{1,64}@[^@ \t\r\n]+\.[^@ \t\r\n]+$"  # as bot/channels/webchat.py
ATTACHMENT = {"$ref": "#/components/schemas/Attachment"}
THUMBNAIL = {
    "name": "thumbnail",
    "in": "query",
    "description": "1 or true: an image's small PNG instead of the file",
    "schema": {"type": "string"},
}
FILE = {
    "description": "The file with its sniffed type: images and PDF inline, others as a "
    "download, never run as a page (a sandboxing Content-Security-Policy)",
    "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}},
}
SESSION_PARAM = {"name": "session_id", "in": "path", "required": True, "schema": {"type": "string"}}

WEBCHAT_PATHS: dict[str, Any] = {
    "/api/chat/sessions": {
        "post": {
            "summary": "Start a web-chat session",
            "operationId": "createChatSession",
            "requestBody": {
                "required": False,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "properties": {
                                "language": {
                                    "type": "string",
                                    "pattern": "^[A-Za-z]{2}(-[A-Za-z0-9]{1,8}){0,3}$",
                                    "description": "The browser's language (navigator.language)"
                                    "; the bot answers in it where it can",
                                },
                                "email": {
                                    "type": "string",
                                    "maxLength": 254,
                                    "pattern": EMAIL,
                                    "description": "The widget's optional pre-chat email, kept "
                                    "on the customer (unverified); empty means none",
                                },
                            },
                        }
                    }
                },
            },
            "responses": {
                "201": json_answer(
                    {
                        "type": "object",
                        "required": ["session_id", "token"],
                        "properties": {
                            "session_id": {"type": "string"},
                            "token": {"type": "string"},
                        },
                    },
                    "The session and the bearer token for its other calls",
                ),
                **_errors(400),
                "429": json_answer(
                    ERROR, "Too many new sessions from this address; see Retry-After"
                ),
            },
        }
    },
    "/api/chat/sessions/{session_id}/messages": {
        "parameters": [SESSION_PARAM],
        "post": {
            "summary": "Send a message or press a button",
            "operationId": "sendChatMessage",
            "security": [{"chatToken": []}],
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/SendMessage"}}
                },
            },
            "responses": {
                "202": json_answer(
                    {
                        "type": "object",
                        "required": ["message_id"],
                        "properties": {"message_id": {"type": "integer"}},
                    },
                    "Stored; the bot's answer follows in the message list",
                ),
                **_errors(400, 401, 404, 429),
            },
        },
        "get": {
            "summary": "Read messages after a sequence number, long-polling while there are none",
            "operationId": "listChatMessages",
            "security": [{"chatToken": []}],
            "parameters": [
                {
                    "name": "after",
                    "in": "query",
                    "description": "a message seq; a fraction is truncated",
                    "schema": {"type": "number", "minimum": 0, "maximum": 2**53},
                },
                {
                    "name": "wait",
                    "in": "query",
                    "schema": {"type": "number", "minimum": 0, "maximum": 30},
                },
                {
                    "name": "typing",
                    "in": "query",
                    "description": "1 if the client shows an agent typing, else 0: the long "
                    "poll also answers when that is no longer so",
                    "schema": {"type": "string", "enum": ["0", "1"]},
                },
            ],
            "responses": {
                "200": json_answer(
                    {
                        "type": "object",
                        "required": ["messages"],
                        "properties": {
                            "messages": {
                                "type": "array",
                                "items": {"$ref": "#/components/schemas/ChatMessage"},
                            },
                            "typing": {
                                "type": "string",
                                "nullable": True,
                                "description": "The name of the agent typing a reply now; the "
                                "long poll also answers when that starts or stops",
                            },
                        },
                    },
                    "Messages, oldest first",
                ),
                **_errors(400, 401, 404),
            },
        },
    },
    "/api/chat/sessions/{session_id}/ws": {
        "parameters": [SESSION_PARAM],
        "get": {
            "summary": "WebSocket pushing the same message objects",
            "description": "The token goes in the Authorization header or, from a browser, as "
            "the subprotocol bearer.<token> next to frontdesk.chat (the server answers with "
            "frontdesk.chat); never in the query string.",
            "operationId": "chatWebSocket",
            "parameters": [
                {
                    "name": "after",
                    "in": "query",
                    "schema": {"type": "number", "minimum": 0, "maximum": 2**53},
                }
            ],
            "responses": {
                "101": {"description": "Switching protocols"},
                "400": json_answer(ERROR, "Not a WebSocket upgrade request, or a bad parameter"),
                **_errors(401, 404),
            },
        },
    },
    "/api/chat/sessions/{session_id}/attachments": {
        "parameters": [SESSION_PARAM],
        "post": {
            "summary": "Send a file (an image, a PDF, text or a log), with optional text",
            "description": "The type is sniffed from the content, never taken from the name; "
            "images get a thumbnail. The file reaches the agents with the message.",
            "operationId": "sendChatFile",
            "security": [{"chatToken": []}],
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
                            },
                        }
                    }
                },
            },
            "responses": {
                "202": json_answer(
                    {
                        "type": "object",
                        "required": ["message_id", "attachments"],
                        "properties": {
                            "message_id": {"type": "integer"},
                            "attachments": {"type": "array", "items": ATTACHMENT},
                        },
                    },
                    "Stored with the file; the bot's answer follows in the message list",
                ),
                **_errors(400, 401, 404, 413, 415, 429),
            },
        },
    },
    "/api/chat/sessions/{session_id}/attachments/{attachment_id}": {
        "parameters": [
            SESSION_PARAM,
            {
                "name": "attachment_id",
                "in": "path",
                "required": True,
                "schema": {"type": "integer"},
            },
        ],
        "get": {
            "summary": "A file of this conversation (its customer only)",
            "operationId": "getChatFile",
            "security": [{"chatToken": []}],
            "parameters": [THUMBNAIL],
            "responses": {
                "200": FILE,
                **_errors(401, 404),
            },
        },
    },
    "/healthz": {
        "get": {
            "summary": "Health: the database and each chat channel",
            "operationId": "health",
            "responses": {
                "200": json_answer({"$ref": "#/components/schemas/Health"}, "Serving"),
                "503": json_answer({"$ref": "#/components/schemas/Health"}, "Database unreachable"),
            },
        }
    },
}

SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {"error": {"type": "string"}},
    },
    "Button": {
        "type": "object",
        "required": ["label", "payload"],
        "properties": {"label": {"type": "string"}, "payload": {"type": "string"}},
    },
    "SendMessage": {
        "type": "object",
        "properties": {
            "text": {"type": "string", "minLength": 1, "maxLength": 4000},
            "payload": {"type": "string", "minLength": 1, "maxLength": 256},
            "client_message_id": {
                "type": "string",
                "minLength": 1,
                "maxLength": 64,
                "description": "Makes a retried send idempotent",
            },
        },
    },
    "ChatMessage": {
        "type": "object",
        "required": ["seq", "sender", "text", "buttons", "created_at"],
        "properties": {
            "seq": {"type": "integer"},
            "sender": {"type": "string", "enum": ["customer", "bot", "agent", "system"]},
            "text": {"type": "string"},
            "buttons": {"type": "array", "items": {"$ref": "#/components/schemas/Button"}},
            "attachments": {
                "type": "array",
                "items": {"$ref": "#/components/schemas/Attachment"},
                "description": "Files sent with the message; fetch url with the bearer token",
            },
            "created_at": {"type": "string", "format": "date-time"},
            "agent_name": {
                "type": "string",
                "nullable": True,
                "description": "An agent's message: the agent's display name",
            },
            "payload": {
                "type": "string",
                "nullable": True,
                "description": "A customer's pressed button: its payload (label: the button's)",
            },
        },
    },
    "Attachment": {
        "type": "object",
        "required": ["id", "name", "content_type", "size", "url"],
        "properties": {
            "id": {"type": "integer"},
            "name": {"type": "string"},
            "content_type": {"type": "string", "description": "Sniffed from the content"},
            "size": {"type": "integer"},
            "url": {"type": "string"},
            "thumbnail_url": {"type": "string", "nullable": True},
        },
    },
    "Health": {
        "type": "object",
        "required": ["status"],
        "properties": {
            "status": {"type": "string", "enum": ["ok", "degraded", "unavailable"]},
            "channels": {"type": "object", "additionalProperties": {"type": "string"}},
        },
    },
}
