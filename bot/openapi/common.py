"""What every part of the OpenAPI document shares: the error body, the agent session and its
CSRF header, the ticket ID, and the small builders of answers and request bodies."""

from __future__ import annotations

from typing import Any

ERROR = {"$ref": "#/components/schemas/Error"}
TICKET = {"$ref": "#/components/schemas/AgentTicket"}
SECURITY: list[dict[str, list[str]]] = [{"agentSession": []}]
CSRF_HEADER = {
    "name": "X-CSRF-Token",
    "in": "header",
    "required": True,
    "description": "The csrf_token returned by login (every state-changing call)",
    "schema": {"type": "string"},
}
TICKET_ID = {
    "name": "ticket_id",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "example": "FD-1001"},
}
INT64_MAX = 2**63 - 1
NOT_BLANK = (
    "[^\\t\\n\\v\\f\\r \\x1c-\\x1f\\x85\\xa0\\u1680\\u2000-\\u200a"
    "\\u2028\\u2029\\u202f\\u205f\\u3000]"
)
"""A character that is not whitespace to Python's ``str.strip``, which is what the server
uses to refuse a blank text. ``\\S`` would not do: a schema's regular expressions are
ECMA-262's, whose whitespace lacks U+001C-U+001F and U+0085 ("\\x1d" passed ``\\S`` and was
then refused as blank) and has U+FEFF, which Python keeps."""

AGENT_REFUSALS = {
    400: "Bad input",
    401: "Not logged in",
    403: "Wrong role, or missing/wrong CSRF token",
    404: "Unknown ticket",
    409: "Conflict: an illegal lifecycle move (the body's status names the current status), "
    "or an agent with that email exists",
    413: "The file is larger than 10 MB",
    415: "Not an image, a PDF or text",
    429: "Too many failed logins; see Retry-After",
}


def json_answer(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def agent_errors(*codes: int, **named: str) -> dict[str, Any]:
    """Error answers of the agent API: the usual reason per code, or ``e404="..."`` for one
    that says more (an unknown macro rather than a ticket)."""
    answers = {str(c): json_answer(ERROR, AGENT_REFUSALS[c]) for c in codes}
    answers.update({code.lstrip("e"): json_answer(ERROR, text) for code, text in named.items()})
    return answers


def request_body(properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    return {"required": bool(required), "content": {"application/json": {"schema": schema}}}
