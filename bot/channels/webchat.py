"""Web chat: the embedded default channel, served by our own aiohttp app.

The JSON API here is the one the widget uses (documented in ``/api/openapi.json``). Replies are
not pushed by :meth:`WebChatChannel.send`: a web-chat customer reads the conversation straight
from the store (long polling or the WebSocket), so delivery is simply the committed message.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import urllib.parse
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from aiohttp import BodyPartReader, MultipartReader, WSMsgType, web
from aiohttp.http_exceptions import HttpProcessingError

from bot.ports import (
    ChatSession,
    InboundSink,
    OutboundMessage,
    RateLimited,
    WebChatBackend,
)
from models import (
    Attachment,
    ChannelKind,
    FileTooLarge,
    Message,
    NotFound,
    NotSignedIn,
    Overloaded,
    SenderKind,
    ValidationError,
)
from models.inputs import clean_text, parse_json, parse_row_id

from .webchat_page import TEXTS, WidgetTexts, widget_page

log = logging.getLogger(__name__)

MAX_TEXT = 4000
MAX_FILE = 10 * 1024 * 1024  # as service.attachments.MAX_BYTES, which checks it again
MAX_PAYLOAD = 256
MAX_WAIT = 30.0
LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2}(-[A-Za-z0-9]{1,8}){0,3}$")
STATIC = Path(__file__).resolve().parent.parent / "static"


class WebChatChannel:
    """The :class:`~bot.ports.Channel` side of web chat (nothing to connect to)."""

    name = ChannelKind.WEB

    async def start(self, sink: InboundSink) -> None:
        return None

    async def send(self, message: OutboundMessage) -> None:
        return None  # the customer reads the committed message from the store

    async def stop(self) -> None:
        return None

    @property
    def healthy(self) -> bool:
        return True


def message_json(
    message: Message, session_id: str, agent_names: Mapping[int, str] | None = None
) -> dict[str, Any]:
    """A message as the widget reads it: an agent's with their display name (``agent_name``),
    a pressed button with its ``payload`` (the widget shows the label it offered)."""
    names = agent_names or {}
    return {
        "seq": message.seq,
        "sender": message.sender.value,
        "text": message.text,
        "buttons": [{"label": b.label, "payload": b.payload} for b in message.buttons],
        "attachments": [attachment_json(a, session_id) for a in message.attachments],
        "created_at": message.created_at.isoformat() if message.created_at else None,
        "agent_name": names.get(message.agent_id) if message.agent_id is not None else None,
        "payload": message.payload if message.sender is SenderKind.CUSTOMER else None,
    }


def attachment_json(attachment: Attachment, session_id: str) -> dict[str, Any]:
    """A file as the customer sees it: ``url`` is fetched with the session's bearer token."""
    url = f"/api/chat/sessions/{session_id}/attachments/{attachment.id}"
    return {
        "id": attachment.id,
        "name": attachment.name,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "url": url,
        "thumbnail_url": f"{url}?thumbnail=1" if attachment.thumbnail_key else None,
    }


BACKEND = web.AppKey("webchat_backend", WebChatBackend)


CHAT_PROTOCOL = "frontdesk.chat"  # the WebSocket subprotocol the server answers with
TOKEN_PROTOCOL = "bearer."  # a browser's WebSocket cannot send headers: "bearer.<token>"


def _bearer(request: web.Request, websocket: bool = False) -> str:
    """The chat token: the Authorization header, or for the WebSocket the ``bearer.<token>``
    subprotocol. Never the query string, which proxies and access logs record."""
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    if websocket:
        for offered in request.headers.get("Sec-WebSocket-Protocol", "").split(","):
            if offered.strip().startswith(TOKEN_PROTOCOL):
                return offered.strip()[len(TOKEN_PROTOCOL) :]
    return ""


async def _session(request: web.Request, websocket: bool = False) -> ChatSession:
    backend = request.app[BACKEND]
    token = _bearer(request, websocket)
    if not token:
        raise NotSignedIn("missing bearer token (the Authorization header)")
    return await backend.authenticate(request.match_info["session_id"], token)


# an address or nothing; the OpenAPI document (bot/openapi.py) says the same
EMAIL_PATTERN = r"^$|^[^@ \t\r\n]{1,64}@[^@ \t\r\n]+\.[^@ \t\r\n]+$"
EMAIL = re.compile(EMAIL_PATTERN)


def parse_session_body(raw: bytes) -> tuple[str | None, str | None]:
    """(language, email) from an optional ``{"language": "fr-FR", "email": "..."}`` body:
    the browser's language as ``fr``, the widget's optional pre-chat email."""
    body = parse_json(raw) if raw.strip() else {}
    if not isinstance(body, dict):
        raise ValidationError('the body must be a JSON object like {"language": "fr-FR"}')
    language, email = body.get("language"), body.get("email", "")
    if "language" in body and (not isinstance(language, str) or not LANGUAGE_TAG.match(language)):
        raise ValidationError('"language" must be a language tag such as "fr" or "de-AT"')
    if not isinstance(email, str) or len(email) > 254 or not EMAIL.match(email):
        raise ValidationError('"email" must be an email address like ann@example.com')
    return (language[:2].lower() if language else None), (email or None)


async def create_session(request: web.Request) -> web.Response:
    language, email = parse_session_body(await request.read())
    client = request.remote or "unknown"  # the real client's, behind a trusted proxy
    session_id, token = await request.app[BACKEND].create_session(language, client, email)
    return web.json_response({"session_id": session_id, "token": token}, status=201)


def parse_send_body(raw: bytes) -> tuple[str, str | None, str | None]:
    """Validate a send request's body: (text, payload, client_message_id), else
    ValidationError saying what is wrong."""
    body = parse_json(raw or b"null")  # size, depth and clean text: see models.inputs
    if not isinstance(body, dict):
        raise ValidationError('the body must be a JSON object like {"text": "..."}')
    text, payload = body.get("text"), body.get("payload")
    client_id = body.get("client_message_id")
    if text is None and payload is None:
        raise ValidationError('the body needs "text" (a message) or "payload" (a pressed button)')
    if text is not None and not isinstance(text, str):
        raise ValidationError('"text" must be a string')
    if payload is not None and (not isinstance(payload, str) or not payload.strip()):
        raise ValidationError('"payload" must be a non-empty string')
    if payload is not None and len(payload) > MAX_PAYLOAD:
        raise ValidationError(f'"payload" is longer than {MAX_PAYLOAD} characters')
    if client_id is not None and (not isinstance(client_id, str) or not 0 < len(client_id) <= 64):
        raise ValidationError('"client_message_id" must be a string of 1 to 64 characters')
    if payload is None:
        assert isinstance(text, str)
        if not text.strip():
            raise ValidationError("the message is empty")
        if len(text) > MAX_TEXT:
            raise ValidationError(
                f"the message is longer than {MAX_TEXT:,} characters ({len(text):,})"
            )
    return (text or "").strip(), payload, client_id


async def post_message(request: web.Request) -> web.Response:
    session = await _session(request)
    text, payload, client_id = parse_send_body(await request.read())
    message_id = await request.app[BACKEND].send(session, text, payload, client_id)
    return web.json_response({"message_id": message_id}, status=202)


def _query_number(
    request: web.Request, name: str, default: float, low: float, high: float
) -> float:
    raw = request.query.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ValidationError(f"{name} must be a number") from None
    if not low <= value <= high:
        raise ValidationError(f"{name} must be between {low:g} and {high:g}")
    return value


async def get_messages(request: web.Request) -> web.Response:
    session = await _session(request)
    after = int(_query_number(request, "after", 0, 0, 2**53))
    wait = _query_number(request, "wait", 0, 0, MAX_WAIT)
    backend = request.app[BACKEND]
    shown = request.query.get("typing")  # what the widget shows: "1" typing, "0" not
    if shown not in (None, "0", "1"):
        raise ValidationError('typing must be "0" or "1"')
    found = await backend.messages(session, after, wait, None if shown is None else shown == "1")
    names, sid = await backend.agent_names(found), session.session_id
    replied = any(m.sender is SenderKind.AGENT for m in found)  # the typing is over
    return web.json_response(
        {
            "messages": [message_json(m, sid, names) for m in found],
            "typing": None if replied else backend.typing(session),
        }
    )


async def websocket(request: web.Request) -> web.WebSocketResponse:
    """Push every message of the session as it is committed (same objects as GET)."""
    session = await _session(request, websocket=True)
    after = int(_query_number(request, "after", 0, 0, 2**53))
    ws = web.WebSocketResponse(heartbeat=25, protocols=(CHAT_PROTOCOL,))
    await ws.prepare(request)
    backend = request.app[BACKEND]

    async def pump() -> None:
        nonlocal after
        while not ws.closed:
            found = await backend.messages(session, after, 10.0)
            names = await backend.agent_names(found)
            for message in found:
                await ws.send_json(message_json(message, session.session_id, names))
                after = max(after, message.seq)

    task = asyncio.create_task(pump())
    try:
        async for frame in ws:  # the widget may also send over the socket
            if frame.type is not WSMsgType.TEXT:
                continue
            try:
                text, payload, client_id = parse_send_body(frame.data.encode())
                await backend.send(session, text, payload, client_id)
            except ValidationError as exc:
                await ws.send_json({"error": str(exc)})
            except RateLimited as exc:
                await ws.send_json({"error": "too fast", "retry_after": exc.retry_after})
            except Overloaded as exc:  # not stored: the widget sends it again after the wait
                await ws.send_json({"error": str(exc), "retry_after": exc.retry_after})
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, ConnectionResetError):
            await task
    return ws


async def post_attachment(request: web.Request) -> web.Response:
    """A message with one file: multipart/form-data, field ``file`` and optional ``text``.

    The file is read as a stream and never held beyond ``MAX_FILE`` bytes: a bigger one is
    read to its end (so the client hears the answer) and refused with 413.
    """
    session = await _session(request)
    if (request.content_length or 0) > MAX_FILE + MAX_TEXT * 4 + 64 * 1024:
        raise FileTooLarge(f"the file is larger than {MAX_FILE // 1048576} MB")
    try:
        reader = await request.multipart()
    except (AssertionError, ValueError, KeyError) as exc:
        raise ValidationError("send the file as multipart/form-data (field 'file')") from exc
    text, name, data, too_big = "", None, bytearray(), False
    unknown: str | None = None
    while (part := await _next_part(reader)) is not None:
        if part.name == "file" and name is None:
            name = part.filename or "file"
            while chunk := await part.read_chunk(256 * 1024):
                if len(data) + len(chunk) > MAX_FILE:
                    too_big = True  # keep reading to the end, keep nothing
                else:
                    data.extend(chunk)
        elif part.name == "text":
            raw = await _bounded(part, MAX_TEXT * 4)
            text = clean_text(raw.decode("utf-8", "replace"), "the text").strip()
        else:
            await _bounded(part, 0)  # read to the end first, so the client hears the answer
            if part.name != "file":
                unknown = unknown or str(part.name)
    if unknown is not None:
        raise ValidationError(f"unknown form field {unknown[:40]!r}: send file and text")
    if name is None:
        raise ValidationError("the form needs a 'file' field")
    if too_big:
        raise FileTooLarge(f"the file is larger than {MAX_FILE // 1048576} MB")
    if len(text) > MAX_TEXT:
        raise ValidationError(f"the message is longer than {MAX_TEXT:,} characters")
    message_id, files = await request.app[BACKEND].send_file(
        session, text, clean_text(name, "the file name"), bytes(data)
    )
    return web.json_response(
        {
            "message_id": message_id,
            "attachments": [attachment_json(f, session.session_id) for f in files],
        },
        status=202,
    )


async def _next_part(reader: MultipartReader) -> BodyPartReader | None:
    """The form's next part; a malformed one is bad input (400), not a bug."""
    try:
        part = await reader.next()
    except HttpProcessingError as exc:  # e.g. a part's headers that are not HTTP
        raise ValidationError("the multipart body is malformed") from exc
    if part is not None and not isinstance(part, BodyPartReader):
        raise ValidationError("nested multipart bodies are not accepted")
    return part


async def _bounded(part: BodyPartReader, limit: int) -> bytes:
    """A form field's bytes, at most ``limit`` kept (the rest is read and dropped)."""
    kept = bytearray()
    while chunk := await part.read_chunk(64 * 1024):
        kept.extend(chunk[: max(0, limit - len(kept))])
    return bytes(kept)


async def get_attachment(request: web.Request) -> web.Response:
    """One file of the session's conversation, to its customer only (bearer token)."""
    session = await _session(request)
    try:
        attachment_id = parse_row_id(request.match_info["attachment_id"], "the file")
    except ValidationError:
        raise NotFound("no such file") from None
    thumbnail = request.query.get("thumbnail") in ("1", "true")
    attachment, data, content_type = await request.app[BACKEND].file(
        session, attachment_id, thumbnail
    )
    return file_response(attachment, data, content_type)


def file_response(attachment: Attachment, data: bytes, content_type: str) -> web.Response:
    """A kept file: its sniffed type; images and PDF shown inline, other files downloaded."""
    inline = content_type.startswith("image/") or content_type == "application/pdf"
    disposition = "inline" if inline else "attachment"
    quoted = urllib.parse.quote(attachment.name)
    return web.Response(
        body=data,
        content_type=content_type,
        headers={
            "Content-Disposition": f"{disposition}; filename*=UTF-8''{quoted}",
            "Cache-Control": "private, max-age=3600",
            "Content-Security-Policy": "default-src 'none'; sandbox",
        },
    )


def add_routes(app: web.Application, texts: WidgetTexts) -> None:
    """Mount the widget (its page in the browser's language, from ``texts``) and its API; the
    app must set ``app[BACKEND]`` before serving."""
    app[TEXTS] = texts
    app.router.add_get("/", widget_page)
    app.router.add_get("/widget", widget_page)  # in /widget.js's iframe: the chat alone
    app.router.add_post("/api/chat/sessions", create_session)
    app.router.add_post("/api/chat/sessions/{session_id}/messages", post_message)
    app.router.add_get("/api/chat/sessions/{session_id}/messages", get_messages)
    app.router.add_get("/api/chat/sessions/{session_id}/ws", websocket)
    app.router.add_post("/api/chat/sessions/{session_id}/attachments", post_attachment)
    app.router.add_get(
        "/api/chat/sessions/{session_id}/attachments/{attachment_id}", get_attachment
    )
    app.router.add_static("/static/", STATIC, name="static")
