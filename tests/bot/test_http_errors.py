"""One error tree, one place mapping it to HTTP: every error a handler may raise, its answer."""

from __future__ import annotations

import json

import pytest

from bot.http_errors import error_response
from bot.ports import RateLimited, UnknownSession, WrongToken
from handoff.auth import LoginRefused, LoginThrottled
from models import (
    Conflict,
    DomainError,
    Forbidden,
    InvalidTransition,
    NotFound,
    NotSignedIn,
    ValidationError,
)

CLOSED = "cannot resolve a ticket that is closed"


@pytest.mark.parametrize(
    ("error", "status", "body", "retry_after"),
    [
        (NotFound("no ticket FD-1999"), 404, {"error": "no ticket FD-1999"}, None),
        (UnknownSession("abc"), 404, {"error": "unknown chat session"}, None),
        (NotSignedIn("log in first"), 401, {"error": "log in first"}, None),
        (WrongToken("abc"), 401, {"error": "wrong token for this chat session"}, None),
        (LoginRefused("wrong email or password"), 401, {"error": "wrong email or password"}, None),
        (Forbidden("managers only"), 403, {"error": "managers only"}, None),
        (RateLimited(0.3), 429, {"error": "you are sending messages too fast"}, "1"),
        (LoginThrottled(90), 429, {"error": "too many login attempts; try again in 90 s"}, "90"),
        (InvalidTransition("closed", "resolve"), 409, {"error": CLOSED, "status": "closed"}, None),
        (Conflict("opened elsewhere first"), 409, {"error": "opened elsewhere first"}, None),
        (ValidationError("the message is empty"), 400, {"error": "the message is empty"}, None),
        (DomainError("a rule was broken"), 400, {"error": "a rule was broken"}, None),
    ],
    ids=lambda v: type(v).__name__ if isinstance(v, Exception) else None,
)  # fmt: skip
def test_each_error_gets_its_status_and_a_json_body_saying_why(
    error: DomainError, status: int, body: dict[str, str], retry_after: str | None
) -> None:
    response = error_response(error)
    assert response.status == status
    assert response.body is not None and json.loads(bytes(response.body)) == body  # type: ignore[arg-type]
    assert response.headers.get("Retry-After") == retry_after
