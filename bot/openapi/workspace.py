"""The agent workspace in the OpenAPI document: macros, merges, problem links, presence, the
report, and its fields on tickets and replies (:func:`extend`)."""

from __future__ import annotations

from typing import Any

from models import Priority, TicketStatus
from models.metrics import GROUPINGS

from .common import (
    CSRF_HEADER,
    INT64_MAX,
    NOT_BLANK,
    SECURITY,
    TICKET,
    TICKET_ID,
    agent_errors,
    json_answer,
    request_body,
)

MACRO = {"$ref": "#/components/schemas/Macro"}
# A ticket ID models.parse_ticket_id accepts (FD-1001 up; 12 digits at most), hardening #15
EXISTING_ID = {
    "type": "string",
    "example": "FD-1001",
    "pattern": "^FD-(100[1-9]|10[1-9][0-9]|1[1-9][0-9]{2}|[2-9][0-9]{3}|[1-9][0-9]{4,11})$",
}
TAGS = {
    "type": "array",
    "maxItems": 20,  # handoff.tags.MAX_TAGS (bot does not import handoff)
    "description": "Words of letters, digits, '_', '-', '.' or ':' (lower-cased; an empty one is "
    "ignored)",
    "items": {"type": "string", "pattern": "^([A-Za-z0-9_][A-Za-z0-9_.:-]{0,63})?$"},
}
"""What ``handoff.tags.parse_tags`` accepts, in ASCII: its ``\\w`` is Unicode, which an
OpenAPI pattern cannot say, so the document promises less than the server takes."""
MACRO_ID = {"name": "macro_id", "in": "path", "required": True, "schema": {"type": "integer"}}


MACRO_FIELDS = {
    "name": {"type": "string", "minLength": 1, "maxLength": 120, "pattern": NOT_BLANK},
    "text": {
        "type": "string",
        "minLength": 1,
        "maxLength": 4000,
        "pattern": NOT_BLANK,
        "description": "Placeholders: {{customer.name}}, {{customer.email}}, {{ticket.id}}, "
        "{{ticket.status}}, {{agent.name}}, {{agent.email}}; any other is refused",
    },
    "set": {
        "type": "object",
        "description": "Applied when the macro is sent",
        "nullable": True,
        "additionalProperties": False,
        "properties": {
            "status": {"type": "string", "enum": [t.value for t in TicketStatus]},
            "priority": {"type": "string", "enum": [p.value for p in Priority]},
            "tags": TAGS,
        },
    },
    "shared": {
        "type": "boolean",
        "default": False,
        "description": "Shared with every agent (managers and admins); else personal",
    },
}


def _ticket_action(summary: str, op: str, body: dict[str, Any] | None) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "summary": summary,
        "operationId": op,
        "security": SECURITY,
        "parameters": [CSRF_HEADER],
        "responses": {
            "200": json_answer({"type": "object", "properties": {"ticket": TICKET}}, "The ticket"),
            **agent_errors(
                e400="Bad input",
                e401="Not logged in",
                e404="Unknown ticket",
                e409="The ticket's state does not allow it",
            ),
        },
    }
    if body is not None:
        spec["requestBody"] = body
    return spec


WORKSPACE_PATHS: dict[str, Any] = {
    "/api/agent/macros": {
        "get": {
            "summary": "Macros I may use: the shared ones and my own",
            "operationId": "listMacros",
            "security": SECURITY,
            "responses": {
                "200": json_answer(
                    {"type": "object", "properties": {"macros": {"type": "array", "items": MACRO}}},
                    "Macros",
                ),
                **agent_errors(e401="Not logged in"),
            },
        },
        "post": {
            "summary": "Create a macro (shared ones: managers and admins)",
            "operationId": "createMacro",
            "security": SECURITY,
            "parameters": [CSRF_HEADER],
            "requestBody": request_body(MACRO_FIELDS, ["name", "text"]),
            "responses": {
                "201": json_answer(MACRO, "Created"),
                **agent_errors(
                    e400="Bad input or unknown placeholder",
                    e401="Not logged in",
                    e403="Sharing needs a manager",
                ),
            },
        },
    },
    "/api/agent/macros/{macro_id}": {
        "parameters": [MACRO_ID],
        "patch": {
            "summary": "Change a macro (mine; shared ones: managers and admins)",
            "operationId": "changeMacro",
            "security": SECURITY,
            "parameters": [CSRF_HEADER],
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "minProperties": 1,
                            "additionalProperties": False,
                            "properties": MACRO_FIELDS,
                        }
                    }
                },
            },
            "responses": {
                "200": json_answer(MACRO, "Changed"),
                **agent_errors(
                    e400="Bad input",
                    e401="Not logged in",
                    e403="Not yours to change",
                    e404="Unknown macro",
                ),
            },
        },
        "delete": {
            "summary": "Delete a macro (mine; shared ones: managers and admins)",
            "operationId": "deleteMacro",
            "security": SECURITY,
            "parameters": [CSRF_HEADER],
            "responses": {
                "200": {"description": "Deleted"},
                **agent_errors(
                    e401="Not logged in", e403="Not yours to delete", e404="Unknown macro"
                ),
            },
        },
    },
    "/api/agent/tickets/{ticket_id}/merge": {
        "parameters": [TICKET_ID],
        "post": _ticket_action(
            "Merge this duplicate into another ticket: it closes with merged_into, its messages, "
            "tags and customer's conversation move over, and its customer is told once; "
            "answers with the kept ticket",
            "mergeTicket",
            request_body({"into": EXISTING_ID}, ["into"]),
        ),
    },
    "/api/agent/tickets/{ticket_id}/link": {
        "parameters": [TICKET_ID],
        "post": _ticket_action(
            "Link this ticket to a problem ticket (409 when linked to another: unlink first)",
            "linkTicketToProblem",
            request_body({"problem": EXISTING_ID}, ["problem"]),
        ),
    },
    "/api/agent/tickets/{ticket_id}/unlink": {
        "parameters": [TICKET_ID],
        "post": _ticket_action("Unlink this ticket from its problem", "unlinkTicket", None),
    },
}

PRESENCE = json_answer(
    {
        "type": "object",
        "properties": {"presence": {"type": "string", "enum": ["available", "away"]}},
    },
    "My presence",
)
WORKSPACE_PATHS["/api/agent/me/presence"] = {
    "get": {
        "summary": "Am I available for new tickets (routing assigns only available agents)?",
        "operationId": "getPresence",
        "security": SECURITY,
        "responses": {"200": PRESENCE, **agent_errors(e401="Not logged in")},
    },
    "patch": {
        "summary": "Set my presence: away agents get no new tickets from routing",
        "operationId": "setPresence",
        "security": SECURITY,
        "parameters": [CSRF_HEADER],
        "requestBody": request_body(
            {"presence": {"type": "string", "enum": ["available", "away"]}}, ["presence"]
        ),
        "responses": {"200": PRESENCE, **agent_errors(e400="Bad input", e401="Not logged in")},
    },
}

DURATION = {
    "type": "object",
    "properties": {
        name: {"type": "number", "nullable": True} for name in ("median_s", "p90_s", "mean_s")
    }
    | {"count": {"type": "integer"}},
    "required": ["median_s", "p90_s", "mean_s", "count"],
}
_DAY = {
    "anyOf": [
        {"type": "string", "format": "date", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"},
        {"type": "string", "maxLength": 0},  # the reports page's form sends an empty field
    ],
    "description": "A day (YYYY-MM-DD); empty is the same as not given",
    "example": "2026-03-01",
}
WORKSPACE_PATHS["/api/agent/report"] = {
    "get": {
        "summary": "The support metrics (managers and admins; docs/metrics.md): the team's first "
        "response (an agent's first reply on handed-off tickets) and the bot's apart",
        "operationId": "getReport",
        "security": SECURITY,
        "parameters": [
            {
                "name": "since",
                "in": "query",
                "schema": _DAY,
                "description": "Default: until - 30 days",
            },
            {"name": "until", "in": "query", "schema": _DAY, "description": "Inclusive day"},
            {
                "name": "by",
                "in": "query",
                "schema": {"type": "string", "enum": list(GROUPINGS)},
                "description": "Add a breakdown",
            },
        ],
        "responses": {
            "200": json_answer(
                {
                    "type": "object",
                    "properties": {
                        "first_response_time": DURATION,
                        "bot_first_response_time": DURATION,
                        "resolution_time": DURATION,
                        "volume": {"type": "integer"},
                        "period": {"type": "object"},
                        "breakdown": {"type": "object"},
                    },
                    "required": [
                        "first_response_time",
                        "bot_first_response_time",
                        "resolution_time",
                        "volume",
                        "period",
                    ],
                },
                "The report",
            ),
            **agent_errors(
                e400="Not a date, or since after until", e401="Not logged in", e403="Agents"
            ),
        },
    }
}

WORKSPACE_SCHEMAS: dict[str, Any] = {
    "Macro": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            **MACRO_FIELDS,
            "owner_id": {"type": "integer", "nullable": True},
            "updated_at": {"type": "string", "format": "date-time"},
        },
    }
}

QUEUE_PARAMETERS: list[dict[str, Any]] = [
    {
        "name": "q",
        "in": "query",
        "description": "Full-text search over ticket ID, description, every message, the "
        "customer's name and email, and tags; every status unless status is given; best match "
        "first, each with snippet (plain) and snippet_html (escaped, hits in <mark>)",
        "schema": {"type": "string"},  # longer text is cut to 200 characters, not refused
    },
    {
        "name": "tag",
        "in": "query",
        "description": "Only tickets with this tag",
        "schema": {"type": "string"},
    },
]

TICKET_FIELDS: dict[str, Any] = {
    "tags": TAGS,
    "problem": {"type": "string", "nullable": True, "description": "The linked problem's ID"},
    "merged_into": {"type": "string", "nullable": True},
    "follow_up_of": {"type": "string", "nullable": True},
    "merged": {"type": "array", "items": {"type": "string"}, "description": "Duplicates merged in"},
    "snippet": {"type": "string", "description": "With ?q=: the matching text"},
    "snippet_html": {"type": "string"},
}

REPLY_FIELDS: dict[str, Any] = {
    "macro": {
        "type": "integer",
        "minimum": 1,
        "maximum": INT64_MAX,
        "description": "In place of text: the server renders this macro, sends it and applies "
        "its set",
    },
    "take_over": {
        "type": "boolean",
        "description": "A reply takes the ticket over; when another agent owns it the answer "
        "is 409 with owner, unless take_over is true (managers only)",
    },
}


def extend(paths: dict[str, Any], schemas: dict[str, Any]) -> None:
    """Add the workspace's paths and fields to the agent API's part of the document."""
    paths.update(WORKSPACE_PATHS)
    schemas.update(WORKSPACE_SCHEMAS)
    paths["/api/agent/tickets"]["get"]["parameters"].extend(QUEUE_PARAMETERS)
    schemas["AgentTicket"]["properties"].update(TICKET_FIELDS)
    patch = paths["/api/agent/tickets/{ticket_id}"]["patch"]["requestBody"]
    patch["content"]["application/json"]["schema"]["properties"]["tags"] = TICKET_FIELDS["tags"]
    reply = paths["/api/agent/tickets/{ticket_id}/messages"]["post"]
    schema = reply["requestBody"]["content"]["application/json"]["schema"]
    schema["properties"].update(REPLY_FIELDS)
    schema.pop("required", None)
    schema["description"] = "text or macro"
    schema["oneOf"] = [{"required": ["text"]}, {"required": ["macro"]}]  # not both (#15)
    reply["responses"]["409"] = json_answer(
        {
            "type": "object",
            "properties": {"error": {"type": "string"}, "owner": {"type": "object"}},
        },
        "Another agent owns the ticket (owner names them)",
    )
