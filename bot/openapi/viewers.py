"""Who has which ticket open (``handoff/viewers.py``, ``handoff/viewer_board.py``) in the
OpenAPI document: the signal an open ticket page sends, and the board the queue reads."""

from __future__ import annotations

from typing import Any

from .common import CSRF_HEADER, SECURITY, TICKET_ID, agent_errors, json_answer, request_body

VIEWERS = {"type": "string", "enum": ["viewing", "typing", "left"]}
VIEWERS_PATHS: dict[str, Any] = {}
VIEWERS_PATHS["/api/agent/tickets/{ticket_id}/viewers"] = {
    "parameters": [TICKET_ID],
    "post": {
        "summary": "I view (or type on, or leave) this ticket: the colleagues who have it open "
        "see it live on the console's event stream (nothing is stored)",
        "operationId": "ticketViewers",
        "security": SECURITY,
        "parameters": [CSRF_HEADER],
        "requestBody": request_body({"state": VIEWERS}, ["state"]),
        "responses": {
            "200": json_answer(
                {
                    "type": "object",
                    "properties": {
                        "ticket": {"type": "string"},
                        "agent_id": {"type": "integer"},
                        "agent": {"type": "string"},
                        "state": VIEWERS,
                    },
                },
                "What the colleagues are told",
            ),
            **agent_errors(400, 401, 403, 404),
        },
    },
}

VIEWERS_PATHS["/api/agent/viewers"] = {
    "get": {
        "summary": "Who has which ticket open now (heard in the last 40 s): the queue's "
        '"kim viewing"; the console follows the changes on its event stream',
        "operationId": "whoViews",
        "security": SECURITY,
        "responses": {
            "200": json_answer(
                {
                    "type": "object",
                    "properties": {
                        "viewers": {
                            "type": "object",
                            "description": "ticket ID -> the agents who have it open",
                            "additionalProperties": {
                                "type": "array",
                                "items": {
                                    "type": "object",
                                    "properties": {
                                        "agent_id": {"type": "integer"},
                                        "agent": {"type": "string"},
                                        "state": VIEWERS,
                                        "seconds_ago": {"type": "number"},
                                    },
                                },
                            },
                        }
                    },
                    "required": ["viewers"],
                },
                "Ticket ID -> viewers",
            ),
            **agent_errors(e401="Not logged in"),
        },
    },
}
