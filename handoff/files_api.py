"""Files on the agent API: fetch any ticket's attachment, reply with a file.

``GET /api/agent/attachments/{id}`` (``?thumbnail=1`` for an image's small PNG) serves a file
to signed-in agents only; ``POST /api/agent/tickets/{id}/attachments`` (multipart: ``file``,
optional ``text`` and ``internal``) sends the customer a message with the file, which each
channel delivers natively. The upload is read as a stream, never more than the size limit kept.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from aiohttp import BodyPartReader, MultipartReader, web
from aiohttp.http_exceptions import HttpProcessingError

from models import Attachment, FileTooLarge, Message, NotFound, SenderKind, ValidationError
from models.inputs import clean_text
from service.attachments import MAX_BYTES

from .api import SESSION, agent_endpoint, row_id_of, services, ticket_id_of
from .replies import take_over_to_reply
from .ticket_changes import MAX_TEXT

if TYPE_CHECKING:
    from store.unit_of_work import UnitOfWork


def file_response(attachment: Attachment, data: bytes, content_type: str) -> web.Response:
    """Images and PDF shown inline, anything else downloaded; never run as a page."""
    inline = content_type.startswith("image/") or content_type == "application/pdf"
    quoted = urllib.parse.quote(attachment.name)
    return web.Response(
        body=data,
        content_type=content_type,
        headers={
            "Content-Disposition": f"{'inline' if inline else 'attachment'}; "
            f"filename*=UTF-8''{quoted}",
            "Content-Security-Policy": "default-src 'none'; sandbox",
        },
    )


@agent_endpoint()
async def get_attachment(request: web.Request) -> web.Response:
    svc = services(request)
    attachment_id = row_id_of(request, "attachment")
    attachment = await svc.store.read(lambda uow: uow.attachments.get(attachment_id))
    if svc.files is None:
        raise NotFound("no such file")
    thumbnail = request.query.get("thumbnail") in ("1", "true")
    data, content_type = await svc.files.read(attachment, thumbnail)
    return file_response(attachment, data, content_type)


async def form_parts(reader: MultipartReader) -> AsyncIterator[BodyPartReader]:
    """The parts of a multipart form; a malformed one (headers that are not HTTP, a nested
    multipart) is bad input (400), not a bug."""
    while True:
        try:
            part = await reader.next()
        except HttpProcessingError as exc:
            raise ValidationError("the multipart body is malformed") from exc
        if part is None:
            return
        if not isinstance(part, BodyPartReader):
            raise ValidationError("nested multipart bodies are not accepted")
        yield part


async def read_upload(request: web.Request) -> tuple[str, str, bytes, bool]:
    """(text, file name, bytes, internal) from a multipart form; 413 past ``MAX_BYTES``."""
    if (request.content_length or 0) > MAX_BYTES + MAX_TEXT * 4 + 64 * 1024:
        raise FileTooLarge(f"the file is larger than {MAX_BYTES // 1048576} MB")
    try:
        reader = await request.multipart()
    except (AssertionError, ValueError, KeyError) as exc:
        raise ValidationError("send the file as multipart/form-data (field 'file')") from exc
    fields: dict[str, bytes] = {}
    name, data, too_big = None, bytearray(), False
    async for part in form_parts(reader):
        if part.name == "file" and name is None:
            name = part.filename or "file"
            while chunk := await part.read_chunk(256 * 1024):
                too_big = too_big or len(data) + len(chunk) > MAX_BYTES
                if not too_big:
                    data.extend(chunk)
        else:
            kept = bytearray()
            while chunk := await part.read_chunk(64 * 1024):
                kept.extend(chunk[: max(0, MAX_TEXT * 4 - len(kept))])
            fields[part.name or ""] = bytes(kept)
    unknown = sorted(set(fields) - {"text", "internal", "file"})
    if unknown:  # read to the end first, so the client hears the answer
        raise ValidationError(f"unknown form field {unknown[0][:40]!r}: send file, text, internal")
    if name is None:
        raise ValidationError("the form needs a 'file' field")
    if too_big:
        raise FileTooLarge(f"the file is larger than {MAX_BYTES // 1048576} MB")
    text = clean_text(fields.get("text", b"").decode("utf-8", "replace"), "the text").strip()
    if len(text) > MAX_TEXT:
        raise ValidationError(f'"text" is longer than {MAX_TEXT} characters')
    internal_field = fields.get("internal", b"false").decode(errors="replace").strip()
    if internal_field not in ("true", "false"):
        raise ValidationError('"internal" must be true or false')
    internal = internal_field == "true"
    return text, clean_text(name, "the file name"), bytes(data), internal


@agent_endpoint()
async def reply_with_file(request: web.Request) -> web.Response:
    svc = services(request)
    agent = request[SESSION].agent
    ticket_id = ticket_id_of(request)
    text, name, data, internal = await read_upload(request)
    if svc.files is None:
        raise ValidationError("this front desk keeps no files")
    kept = await svc.files.keep(name, data)
    if not internal:
        await take_over_to_reply(svc, agent, ticket_id, take_over=False)

    async def work(uow: UnitOfWork) -> Message:
        ticket = await uow.tickets.get(ticket_id)
        conversation = await uow.conversations.get(ticket.conversation_id)
        message = await svc.desk.say(
            uow,
            conversation,
            text,
            sender=SenderKind.AGENT,
            agent_id=agent.id,
            agent_name=agent.name,
            team=ticket.team,
            internal=internal,
            ticket_id=ticket.id,
            files=(kept,),
        )
        if not internal:
            await svc.desk.record_first_response(uow, ticket)
        return message

    message = await svc.store.write(work)
    if svc.typing is not None and not internal:
        svc.typing.stopped(message.conversation_id)
    from .views import message_json

    return web.json_response({"message": message_json(message)}, status=201)


def add_file_routes(app: web.Application) -> None:
    app.router.add_get("/api/agent/attachments/{attachment_id}", get_attachment)
    app.router.add_post("/api/agent/tickets/{ticket_id}/attachments", reply_with_file)
