"""Files customers and agents send: checked, typed by their content, kept in a file storage.

What a file is comes from its first bytes (``filetype``'s signatures; UTF-8 without NUL bytes
is text), never from its name or the type the sender claimed: an ``.exe`` renamed ``.png`` is
refused. Accepted are images, PDF, and text and logs, up to ``MAX_BYTES`` each; an image also
gets a PNG thumbnail (Pillow) for the console and the widget.

The bytes go to a :class:`FileStorage` (a local folder by default, ``store/files.py``) before
the row that names them is written, so a crash between the two leaves an unreferenced file,
never a row without its file.
"""

from __future__ import annotations

import asyncio
import io
import re
import urllib.parse
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Protocol

import filetype
from PIL import Image, UnidentifiedImageError

from models import Attachment, FileTooLarge, UnsupportedFile

MAX_BYTES = 10 * 1024 * 1024
ACCEPTED = {
    "image/png": "PNG image",
    "image/jpeg": "JPEG image",
    "image/gif": "GIF image",
    "image/webp": "WebP image",
    "application/pdf": "PDF",
    "text/plain": "text",
}
THUMBNAIL_PX = 320
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f/\\\\]+")


class FileStorage(Protocol):
    """Where files' bytes live: a local folder, or an S3-compatible bucket to scale out."""

    async def put(self, key: str, data: bytes) -> None:
        """Keep ``data`` under ``key`` (durably, before returning)."""

    async def get(self, key: str) -> bytes:
        """The bytes kept under ``key``; raises ``NotFound`` when there are none."""


def sniff(data: bytes) -> str:
    """The content type of ``data`` from its content; raises :class:`UnsupportedFile`."""
    kind = filetype.guess(data[:8192])
    if kind is not None:
        if kind.mime in ACCEPTED:
            return str(kind.mime)
        raise UnsupportedFile(
            f"files of type {kind.mime} are not accepted: send images, PDF, text or logs"
        )
    if b"\x00" not in data:
        try:
            data.decode("utf-8")
            return "text/plain"
        except UnicodeDecodeError:
            pass
    raise UnsupportedFile("this file is not an image, a PDF or text: it was not accepted")


def safe_name(name: str, content_type: str) -> str:
    """A file name to show and to offer for download: no path, no control characters."""
    name = urllib.parse.unquote(name)  # some clients percent-encode the form's file name
    cleaned = _UNSAFE_NAME.sub("_", name.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]).strip(" .")
    return cleaned[:200] or ("file." + content_type.rsplit("/", 1)[-1])


def thumbnail(data: bytes) -> bytes | None:
    """A PNG at most ``THUMBNAIL_PX`` wide and high, or None when Pillow cannot read it."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.thumbnail((THUMBNAIL_PX, THUMBNAIL_PX))
            out = io.BytesIO()
            image.convert("RGBA" if image.mode in ("RGBA", "LA", "P") else "RGB").save(out, "PNG")
            return out.getvalue()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return None


class Files:
    """Checks and keeps files; the rows are written by the caller's unit of work."""

    def __init__(self, storage: FileStorage, clock: Callable[[], datetime]) -> None:
        self.storage = storage
        self.clock = clock

    async def keep(self, name: str, data: bytes, max_bytes: int = MAX_BYTES) -> Attachment:
        """Check ``data`` and store it; returns the attachment to record (``id`` 0, and no
        conversation or message yet). Raises :class:`FileTooLarge` or :class:`UnsupportedFile`."""
        if len(data) > max_bytes:
            raise FileTooLarge(
                f"the file is {len(data) / 1048576:.1f} MB; at most {max_bytes // 1048576} MB"
            )
        if not data:
            raise UnsupportedFile("the file is empty")
        content_type = sniff(data)
        key = f"{self.clock():%Y/%m}/{uuid.uuid4().hex}"
        await self.storage.put(key, data)
        thumb_key = None
        if content_type.startswith("image/"):
            small = await asyncio.to_thread(thumbnail, data)
            if small is not None:
                thumb_key = key + ".thumb.png"
                await self.storage.put(thumb_key, small)
        return Attachment(
            id=0,
            conversation_id=0,
            message_id=None,
            name=safe_name(name, content_type),
            content_type=content_type,
            size=len(data),
            key=key,
            thumbnail_key=thumb_key,
        )

    async def read(self, attachment: Attachment, thumbnail: bool = False) -> tuple[bytes, str]:
        """The file's bytes and content type (its PNG thumbnail when asked and there is one)."""
        if thumbnail and attachment.thumbnail_key:
            return await self.storage.get(attachment.thumbnail_key), "image/png"
        return await self.storage.get(attachment.key), attachment.content_type
