"""The agent API's tickets, login and agents in the OpenAPI document."""

from __future__ import annotations

from typing import Any

from models import Priority, TicketStatus, TicketType

from .common import (
    CSRF_HEADER,
    NOT_BLANK,
    SECURITY,
    TICKET,
    TICKET_ID,
    agent_errors,
    json_answer,
    request_body,
)

TICKET_TYPES = [t.value for t in TicketType]
PRIORITIES = [p.value for p in Priority]
STATUSES = [s.value for s in TicketStatus]
# handoff.agents.EMAIL; Python's \\s also matches \\x1c-\\x1f and \\x85, JavaScript's does not.
_NOT_IN_EMAIL = "@\\s\\x1c-\\x1f\\x85"
EMAIL_PATTERN = f"^[^{_NOT_IN_EMAIL}]+@[^{_NOT_IN_EMAIL}]+\\.[^{_NOT_IN_EMAIL}]+$"
_ONE_STATUS = "|".join(["all", *STATUSES])
STATUS_LIST = f"^,*(({_ONE_STATUS})(,+({_ONE_STATUS}))*)?,*$"


def _action(summary: str, op: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "summary": summary,
        "operationId": op,
        "security": SECURITY,
        "parameters": [CSRF_HEADER],
        "responses": {
            "200": json_answer(
                {"type": "object", "properties": {"ticket": TICKET}}, "The ticket after"
            ),
            **agent_errors(400, 401, 403, 404, 409),
        },
    }
    if body is not None:
        spec["requestBody"] = body
    return spec


# What the server accepts as text (handoff.actions._text): not blank, at most 4,000 characters.
TEXT = {"type": "string", "minLength": 1, "maxLength": 4000, "pattern": NOT_BLANK}
REASON = request_body({"reason": {"type": "string", "maxLength": 4000}})

AGENT_PATHS: dict[str, Any] = {
    "/api/agent/login": {
        "post": {
            "summary": "Log in; sets the HttpOnly session cookie frontdesk_session",
            "operationId": "agentLogin",
            "requestBody": request_body(
                {
                    "email": {"type": "string", "minLength": 1},
                    "password": {"type": "string", "minLength": 1},
                },
                ["email", "password"],
            ),
            "responses": {
                "200": json_answer(
                    {
                        "type": "object",
                        "required": ["agent", "csrf_token"],
                        "properties": {
                            "agent": {"$ref": "#/components/schemas/Agent"},
                            "csrf_token": {"type": "string"},
                        },
                    },
                    "Logged in",
                ),
                **agent_errors(400, 401, 429),
            },
        }
    },
    "/api/agent/logout": {
        "post": {
            "summary": "End the session",
            "operationId": "agentLogout",
            "security": SECURITY,
            "parameters": [CSRF_HEADER],
            "responses": {"200": {"description": "Logged out"}, **agent_errors(401, 403)},
        }
    },
    "/api/agent/me": {
        "get": {
            "summary": "The logged-in agent and the session's CSRF_HEADER token",
            "operationId": "agentMe",
            "security": SECURITY,
            "responses": {"200": {"description": "The agent"}, **agent_errors(401)},
        }
    },
    "/api/agent/tickets": {
        "get": {
            "summary": "The queue, most urgent SLA first (open tickets unless status is given)",
            "operationId": "listAgentTickets",
            "security": SECURITY,
            "parameters": [
                {
                    "name": "status",
                    "in": "query",
                    "description": "A status, a comma-separated list, or 'all'",
                    "schema": {"type": "string", "pattern": STATUS_LIST},
                },
                {
                    "name": "assignee",
                    "in": "query",
                    "description": "me, none, or an agent id",
                    "schema": {
                        "type": "string",
                        "pattern": "^(|me|none|[1-9][0-9]{0,17}|[1-8][0-9]{18})$",
                    },
                },
                {
                    "name": "type",
                    "in": "query",
                    "schema": {"type": "string", "enum": ["", *TICKET_TYPES]},
                },
                {
                    "name": "priority",
                    "in": "query",
                    "schema": {"type": "string", "enum": ["", *PRIORITIES]},
                },
                {"name": "team", "in": "query", "schema": {"type": "string"}},
            ],
            "responses": {
                "200": json_answer(
                    {
                        "type": "object",
                        "required": ["tickets"],
                        "properties": {"tickets": {"type": "array", "items": TICKET}},
                    },
                    "Tickets",
                ),
                **agent_errors(400, 401),
            },
        }
    },
    "/api/agent/tickets/{ticket_id}": {
        "parameters": [TICKET_ID],
        "get": {
            "summary": "A ticket with messages (internal notes too), events, the customer's "
            "history and similar resolved tickets",
            "operationId": "getAgentTicket",
            "security": SECURITY,
            "responses": {"200": json_answer(TICKET, "The ticket"), **agent_errors(401, 404)},
        },
        "patch": _action(
            "Change type, priority, intent (kept as training labels), team, assignee or status",
            "patchAgentTicket",
            {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "minProperties": 1,
                            "additionalProperties": False,
                            "properties": {
                                "type": {"type": "string", "enum": TICKET_TYPES},
                                "priority": {"type": "string", "enum": PRIORITIES},
                                "intent": TEXT,
                                "team": TEXT,
                                "assignee": {
                                    "description": "agent id, email, 'me', or null",
                                    "nullable": True,
                                    "oneOf": [
                                        {"type": "integer", "minimum": 1, "maximum": 2**63 - 1},
                                        {"type": "string"},
                                    ],
                                },
                                "status": {"type": "string", "enum": STATUSES},
                                "resolution": {**TEXT, "description": "with status resolved"},
                            },
                        }
                    }
                },
            },
        ),
    },
    "/api/agent/tickets/{ticket_id}/claim": {
        "parameters": [TICKET_ID],
        "post": _action(
            "Take over: assign to me, the bot goes silent; a change request goes to "
            "pending_approval first",
            "claimTicket",
        ),
    },
    "/api/agent/tickets/{ticket_id}/release": {
        "parameters": [TICKET_ID],
        "post": _action(
            "Hand the conversation back to the bot and the ticket to the queue", "releaseTicket"
        ),
    },
    "/api/agent/tickets/{ticket_id}/messages": {
        "parameters": [TICKET_ID],
        "post": {
            **_action(
                "Reply to the customer, or write an internal note",
                "postAgentMessage",
                request_body(
                    {
                        "text": TEXT,
                        "internal": {"type": "boolean", "default": False},
                    },
                    ["text"],
                ),
            ),
            "responses": {
                "201": {"description": "Stored and queued for delivery"},
                **agent_errors(400, 401, 403, 404),
            },
        },
    },
    "/api/agent/tickets/{ticket_id}/escalate": {
        "parameters": [TICKET_ID],
        "post": _action(
            "Escalate: priority up one step, managers notified", "escalateTicket", REASON
        ),
    },
    "/api/agent/tickets/{ticket_id}/request-approval": {
        "parameters": [TICKET_ID],
        "post": _action(
            "Ask a manager to approve (status pending_approval)", "requestApproval", REASON
        ),
    },
    "/api/agent/tickets/{ticket_id}/approve": {
        "parameters": [TICKET_ID],
        "post": _action(
            "Approve (manager or admin); the customer is told, with the reason as written",
            "approveTicket",
            REASON,
        ),
    },
    "/api/agent/tickets/{ticket_id}/reject": {
        "parameters": [TICKET_ID],
        "post": _action(
            "Reject with a reason (manager or admin); the customer is told",
            "rejectTicket",
            request_body({"reason": TEXT}, ["reason"]),
        ),
    },
    "/api/agent/tickets/{ticket_id}/resolve": {
        "parameters": [TICKET_ID],
        "post": _action(
            "Resolve with notes; the customer gets a CSAT prompt (five buttons)",
            "resolveTicket",
            request_body({"resolution": TEXT}, ["resolution"]),
        ),
    },
    "/api/agent/tickets/{ticket_id}/reopen": {
        "parameters": [TICKET_ID],
        "post": _action("Reopen a resolved ticket", "reopenTicket", REASON),
    },
    "/api/agent/notifications": {
        "get": {
            "summary": "Unread console notifications (escalations, approval requests, flags)",
            "operationId": "listNotifications",
            "security": SECURITY,
            "responses": {"200": {"description": "Notifications"}, **agent_errors(401)},
        }
    },
    "/api/agent/notifications/read": {
        "post": {
            "summary": "Mark notifications read (all, or the given ids)",
            "operationId": "readNotifications",
            "security": SECURITY,
            "parameters": [CSRF_HEADER],
            "requestBody": request_body(
                {
                    "ids": {
                        "type": "array",
                        "items": {"type": "integer", "minimum": -(2**63), "maximum": 2**63 - 1},
                    }
                }
            ),
            "responses": {"200": {"description": "How many"}, **agent_errors(400, 401, 403)},
        }
    },
    "/api/agent/agents": {
        "get": {
            "summary": "List agents (manager or admin)",
            "operationId": "listAgents",
            "security": SECURITY,
            "responses": {"200": {"description": "Agents"}, **agent_errors(401, 403)},
        },
        "post": {
            "summary": "Create an agent (admin only)",
            "operationId": "createAgent",
            "security": SECURITY,
            "parameters": [CSRF_HEADER],
            "requestBody": request_body(
                {
                    "email": {"type": "string", "pattern": EMAIL_PATTERN},
                    "name": {"type": "string", "pattern": NOT_BLANK},
                    "role": {"type": "string", "enum": ["agent", "manager", "admin"]},
                    "password": {"type": "string", "minLength": 10},
                    "teams": {"type": "array", "items": {"type": "string", "minLength": 1}},
                    "capacity": {"type": "integer", "minimum": 1, "maximum": 1000},
                },
                ["email", "name", "password"],
            ),
            "responses": {"201": {"description": "Created"}, **agent_errors(400, 401, 403, 409)},
        },
    },
}

AGENT_SCHEMAS: dict[str, Any] = {
    "Agent": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "email": {"type": "string"},
            "name": {"type": "string"},
            "role": {"type": "string", "enum": ["agent", "manager", "admin"]},
            "teams": {"type": "array", "items": {"type": "string"}},
            "skills": {"type": "array", "items": {"type": "string"}},
            "capacity": {"type": "integer"},
            "online": {"type": "boolean"},
            "active": {"type": "boolean"},
        },
    },
    "AgentTicket": {
        "type": "object",
        "required": ["id", "status", "type", "priority"],
        "properties": {
            "id": {"type": "string", "example": "FD-1001"},
            "status": {"type": "string"},
            "type": {"type": "string"},
            "priority": {"type": "string"},
            "intent": {"type": "string"},
            "team": {"type": "string", "nullable": True},
            "assignee": {"nullable": True},
            "sla": {"type": "object"},
            "flags": {"type": "array", "items": {"type": "string"}},
            "messages": {"type": "array", "items": {"type": "object"}},
            "events": {"type": "array", "items": {"type": "object"}},
            "history": {"type": "array", "items": {"type": "object"}},
            "similar": {"type": "array", "items": {"type": "object"}},
            "csat": {"type": "object", "nullable": True},
        },
    },
}
