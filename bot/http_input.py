"""Input hygiene for what no handler parses itself: the path, the query and form fields.

JSON bodies go through :func:`models.inputs.parse_json` in each handler; this middleware
refuses, before any handler runs, a request whose decoded path, query parameters or form fields
hold a NUL or a lone surrogate (``/api/chat/sessions/%00/messages`` reached PostgreSQL, which
refuses NUL in text, and came back as a 500). Refusals are ``400 {"error": ...}``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from models import ValidationError
from models.inputs import clean_text

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
UPLOAD_SUFFIX = "/attachments"
"""File uploads (``POST .../attachments``) are read as a stream by their handler, which
checks the text it reads: buffering them here would hold up to 10 MB per request."""


def _refusal(message: str) -> web.Response:
    return web.json_response({"error": message}, status=400)


@web.middleware
async def clean_request_text(request: web.Request, handler: Handler) -> web.StreamResponse:
    """400 for a NUL or a lone surrogate in the path, a query parameter or a form field."""
    try:
        clean_text(request.path, "the path")
        for key, value in request.query.items():
            clean_text(key, "a query parameter name")
            clean_text(value, f"the query parameter {key!r}")
        if (
            request.method == "POST"
            and request.content_type in FORM_TYPES
            and not request.path.endswith(UPLOAD_SUFFIX)  # streamed and checked by its handler
        ):
            try:
                form = await request.post()  # cached: the handler's own post() reads it again
            except ValueError as exc:  # e.g. multipart/form-data without a boundary
                return _refusal(f"the form cannot be read: {exc}")
            for key, field in form.items():
                clean_text(key, "a form field name")
                if isinstance(field, str):
                    clean_text(field, f"the form field {key!r}")
    except ValidationError as exc:
        return _refusal(str(exc))
    except UnicodeDecodeError:
        return _refusal("the request is not valid UTF-8")
    return await handler(request)
