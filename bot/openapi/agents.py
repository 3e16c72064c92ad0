"""Managing agents (``handoff/agents_admin.py``) in the OpenAPI document."""

from __future__ import annotations

from typing import Any

from .common import CSRF_HEADER, NOT_BLANK, SECURITY, agent_errors, json_answer, request_body

AGENT_ID = {"name": "agent_id", "in": "path", "required": True, "schema": {"type": "integer"}}
_NAMES = {
    "type": "array",
    "items": {"type": "string", "minLength": 1, "maxLength": 64, "pattern": NOT_BLANK},
    "maxItems": 50,
}
AGENTS_PATHS: dict[str, Any] = {}
AGENTS_PATHS["/api/agent/agents/{agent_id}"] = {
    "parameters": [AGENT_ID],
    "patch": {
        "summary": "Change an agent (admins): a deactivated agent is signed out and routed "
        "nothing; nobody deactivates or demotes themselves (409)",
        "operationId": "changeAgent",
        "security": SECURITY,
        "parameters": [CSRF_HEADER],
        "requestBody": request_body(
            {
                "name": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": NOT_BLANK},
                "role": {"type": "string", "enum": ["agent", "manager", "admin"]},
                "teams": _NAMES,
                "skills": _NAMES,
                "capacity": {"type": "integer", "minimum": 1, "maximum": 1000},
                "active": {"type": "boolean"},
            },
        ),
        "responses": {
            "200": json_answer(
                {"type": "object", "properties": {"agent": {"$ref": "#/components/schemas/Agent"}}},
                "Changed",
            ),
            **agent_errors(
                e400="Bad input",
                e401="Not logged in",
                e403="Admins only",
                e404="Unknown agent",
                e409="Yourself",
            ),
        },
    },
}
AGENTS_PATHS["/api/agent/agents/{agent_id}/password"] = {
    "parameters": [AGENT_ID],
    "post": {
        "summary": "Reset an agent's password (admins) and sign them out everywhere; without "
        "a password one is made up and answered once",
        "operationId": "resetAgentPassword",
        "security": SECURITY,
        "parameters": [CSRF_HEADER],
        "requestBody": request_body(
            {"password": {"type": "string", "minLength": 10, "maxLength": 200}}
        ),
        "responses": {
            "200": json_answer(
                {
                    "type": "object",
                    "properties": {"reset": {"type": "boolean"}, "password": {"type": "string"}},
                },
                "Reset",
            ),
            **agent_errors(
                e400="Bad input", e401="Not logged in", e403="Admins only", e404="Unknown agent"
            ),
        },
    },
}
AGENTS_PATHS["/api/agent/me/password"] = {
    "post": {
        "summary": "Change my own password (any agent); my other console sessions are signed "
        "out, this one stays. A wrong current password is 403; more than 5 wrong in 15 minutes "
        "is 429",
        "operationId": "changeMyPassword",
        "security": SECURITY,
        "parameters": [CSRF_HEADER],
        "requestBody": request_body(
            {
                "current_password": {"type": "string", "minLength": 1, "maxLength": 200},
                "password": {"type": "string", "minLength": 10, "maxLength": 200},
            },
            ["current_password", "password"],
        ),
        "responses": {
            "200": json_answer(
                {
                    "type": "object",
                    "properties": {
                        "changed": {"type": "boolean"},
                        "other_sessions_ended": {"type": "boolean"},
                    },
                },
                "Changed",
            ),
            **agent_errors(
                e400="Bad input",
                e401="Not logged in",
                e403="Wrong current password, or missing/wrong CSRF token",
                e429="Too many wrong current passwords; see Retry-After",
            ),
        },
    },
}
# An empty change is refused (400): at least one field.
_patch = AGENTS_PATHS["/api/agent/agents/{agent_id}"]["patch"]["requestBody"]
_patch["required"] = True
_patch["content"]["application/json"]["schema"].update(minProperties=1, additionalProperties=False)
