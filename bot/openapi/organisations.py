"""Organisations (``handoff/organisations_api.py``, admins) in the OpenAPI document."""

from __future__ import annotations

from typing import Any

from .common import CSRF_HEADER, NOT_BLANK, SECURITY, agent_errors, json_answer, request_body

DOMAIN = {  # models.organisations: a host name with a dot, no free-mail domain
    "type": "string",
    "pattern": "^@?([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\.)+[A-Za-z]{2,63}\\.?$",
    "maxLength": 253,
    "example": "acme.com",
}
FIELDS: dict[str, Any] = {
    "name": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": NOT_BLANK},
    "domains": {"type": "array", "items": DOMAIN, "maxItems": 50},
}
ORGANISATION = {
    "type": "object",
    "properties": {"id": {"type": "integer"}, **FIELDS},
    "required": ["id", "name", "domains"],
}


def _body(required: list[str]) -> dict[str, Any]:
    """Only ``name`` and ``domains``: another field is refused (400), not ignored."""
    body = request_body(FIELDS, required)
    body["required"] = True
    body["content"]["application/json"]["schema"]["additionalProperties"] = False
    return body


ONE = json_answer(
    {"type": "object", "properties": {"organisation": ORGANISATION}}, "The organisation"
)
ORGANISATION_ID = {
    "name": "organisation_id",
    "in": "path",
    "required": True,
    "schema": {"type": "integer", "minimum": 1, "maximum": 10**17},
}

ORGANISATION_PATHS: dict[str, Any] = {
    "/api/agent/organisations": {
        "get": {
            "summary": "The organisations customers belong to, with their email domains (admins)",
            "operationId": "listOrganisations",
            "security": SECURITY,
            "responses": {
                "200": json_answer(
                    {
                        "type": "object",
                        "properties": {"organisations": {"type": "array", "items": ORGANISATION}},
                    },
                    "Every organisation, by name",
                ),
                **agent_errors(401, 403),
            },
        },
        "post": {
            "summary": "Name an organisation and its domains: customers with an email there "
            "show as its members (admins)",
            "operationId": "createOrganisation",
            "security": SECURITY,
            "parameters": [CSRF_HEADER],
            "requestBody": _body(["name", "domains"]),
            "responses": {
                "201": ONE,
                **agent_errors(400, 401, 403, e409="The name or a domain is taken"),
            },
        },
    },
    "/api/agent/organisations/{organisation_id}": {
        "parameters": [ORGANISATION_ID],
        "patch": {
            "summary": "Rename an organisation or replace its domains (admins)",
            "operationId": "changeOrganisation",
            "security": SECURITY,
            "parameters": [CSRF_HEADER],
            "requestBody": _body([]),
            "responses": {
                "200": ONE,
                **agent_errors(
                    400, 401, 403, e404="No such organisation", e409="The name or a domain is taken"
                ),
            },
        },
        "delete": {
            "summary": "Forget an organisation: its customers show their email's domain again",
            "operationId": "deleteOrganisation",
            "security": SECURITY,
            "parameters": [CSRF_HEADER],
            "responses": {
                "200": json_answer(
                    {"type": "object", "properties": {"deleted": {"type": "integer"}}}, "Deleted"
                ),
                **agent_errors(400, 401, 403, e404="No such organisation"),
            },
        },
    },
}
