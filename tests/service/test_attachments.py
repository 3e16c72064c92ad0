"""Checking and keeping files (``service/attachments.py``) without a server: what a file is comes
from its bytes, the name shown is safe and never empty, an image gets a thumbnail in a mode PNG
can hold, and a refusal says why. Written for what mutation testing found unpinned by the web
chat, Telegram and mail stories (docs/benchmarks.md, "Mutation score"); and taking a platform's
files in (``bot/inbound_files.py``) on the in-memory store."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from PIL import Image

from bot.backlog import Backlog
from bot.engine import Engine
from bot.inbound_files import sink_with_files
from bot.ports import FileData, InboundEvent
from models import ChannelKind, FileTooLarge, NotFound, Overloaded, UnsupportedFile
from service.attachments import MAX_BYTES, THUMBNAIL_PX, Files, safe_name, sniff, thumbnail
from service.bus import EventBus
from service.desk import Desk

from ..bot.test_engine_tables import KeywordClassifier
from ..memory_store import MemoryStore


class FolderInMemory:
    """A :class:`service.attachments.FileStorage` that keeps bytes in a dict."""

    def __init__(self) -> None:
        self.kept: dict[str, bytes] = {}

    async def put(self, key: str, data: bytes) -> None:
        self.kept[key] = data

    async def get(self, key: str) -> bytes:
        if key not in self.kept:
            raise NotFound(key)
        return self.kept[key]


def image(mode: str, size: tuple[int, int] = (800, 600), fmt: str = "PNG") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size).save(out, fmt)
    return out.getvalue()


def files() -> tuple[Files, FolderInMemory]:
    folder = FolderInMemory()
    return Files(folder, lambda: datetime(2026, 12, 1, tzinfo=UTC)), folder


def test_what_a_file_is_comes_from_its_bytes() -> None:
    assert sniff(image("RGB")) == "image/png"
    assert sniff(image("RGB", fmt="JPEG")) == "image/jpeg"
    assert sniff("Grüße aus dem Log\n".encode()) == "text/plain"
    with pytest.raises(UnsupportedFile) as binary:
        sniff(b"looks like text\x00but has a NUL byte")
    assert str(binary.value) == "this file is not an image, a PDF or text: it was not accepted"
    with pytest.raises(UnsupportedFile, match="not an image, a PDF or text"):
        sniff(b"\xff\xfe\xfa not UTF-8")
    with pytest.raises(UnsupportedFile) as zipped:
        sniff(b"PK\x03\x04" + b"\x00" * 40)
    assert str(zipped.value) == (
        "files of type application/zip are not accepted: send images, PDF, text or logs"
    )


@pytest.mark.parametrize(
    ("sent", "shown"),
    [
        ("X-ray of the error.png", "X-ray of the error.png"),
        ("C:\\Users\\ann\\Desktop\\screen shot.png", "screen shot.png"),
        ("../../etc/passwd", "passwd"),
        ("logs/today\\app.log", "app.log"),
        ("a\x01b\x1fc.txt", "a_b_c.txt"),
        (" ..report.txt.. ", "report.txt"),
        ("%2E%2E%2Fsecret.pdf", "secret.pdf"),
        ("", "file.png"),
        ("...", "file.png"),
        ("n" * 300 + ".png", "n" * 200),
    ],
)
def test_the_name_shown_has_no_path_no_control_characters_and_is_never_empty(
    sent: str, shown: str
) -> None:
    assert safe_name(sent, "image/png") == shown


def test_a_file_without_a_name_is_named_after_its_type() -> None:
    assert safe_name("", "application/pdf") == "file.pdf"
    assert safe_name(" . ", "text/plain") == "file.plain"


@pytest.mark.parametrize(
    ("mode", "kept_as"),
    [("RGB", "RGB"), ("L", "RGB"), ("RGBA", "RGBA"), ("LA", "RGBA"), ("P", "RGBA")],
)
def test_a_thumbnail_is_a_small_png_keeping_transparency(mode: str, kept_as: str) -> None:
    small = thumbnail(image(mode))
    assert small is not None
    with Image.open(io.BytesIO(small)) as thumb:
        assert (thumb.format, thumb.mode) == ("PNG", kept_as)
        assert thumb.size == (THUMBNAIL_PX, THUMBNAIL_PX * 600 // 800)
    assert thumbnail(b"%PDF-1.4 not an image") is None


async def test_keeping_a_file_checks_its_size_and_kind_and_thumbnails_only_images() -> None:
    keeper, folder = files()
    with pytest.raises(FileTooLarge) as big:
        await keeper.keep("big.log", b"a" * (MAX_BYTES + 1))
    assert str(big.value) == "the file is 10.0 MB; at most 10 MB"
    with pytest.raises(UnsupportedFile) as empty:
        await keeper.keep("empty.txt", b"")
    assert str(empty.value) == "the file is empty"
    assert folder.kept == {}

    exactly = await keeper.keep("limit.txt", b"a" * 100, max_bytes=100)  # the limit is allowed
    assert (exactly.size, exactly.content_type, exactly.thumbnail_key) == (100, "text/plain", None)
    assert exactly.key.startswith("2026/12/") and folder.kept[exactly.key] == b"a" * 100
    assert await keeper.read(exactly) == (b"a" * 100, "text/plain")
    assert await keeper.read(exactly, thumbnail=True) == (b"a" * 100, "text/plain")

    unnamed = await keeper.keep("", b"a line of a log\n")  # some clients send no file name
    assert unnamed.name == "file.plain"

    photo = image("RGB")
    shot = await keeper.keep("shot.png", photo)
    assert shot.thumbnail_key == shot.key + ".thumb.png" and shot.name == "shot.png"
    assert await keeper.read(shot) == (photo, "image/png")
    small, kind = await keeper.read(shot, thumbnail=True)
    assert kind == "image/png" and small == folder.kept[shot.key + ".thumb.png"] != photo


def desk_taking_files(max_messages: int = 0) -> tuple[Engine, MemoryStore]:
    """An engine on the in-memory store, its backlog bounded by ``max_messages`` (0: none)."""
    store = MemoryStore()
    desk = Desk(EventBus(), clock=lambda: datetime(2026, 12, 1, tzinfo=UTC))
    engine = Engine(
        store, desk, KeywordClassifier(), workers=1, backlog=Backlog(max_messages=max_messages)
    )
    return engine, store


def photo_message(*files: FileData) -> InboundEvent:
    return InboundEvent(ChannelKind.TELEGRAM, "u1", "ada", "chat-1", "see the photo", files=files)


async def test_a_platforms_files_are_kept_before_the_message_and_a_refusal_is_told() -> None:
    """``bot/inbound_files.py``: the kept file goes with the message; a refused one becomes a
    line of its text, so the agent learns what was left out and why."""
    engine, store = desk_taking_files()
    keeper, folder = files()
    sink = sink_with_files(engine, keeper)
    await sink(photo_message(FileData("shot.png", "image/png", image("RGB")), FileData(
        "tool.exe", "application/octet-stream", b"MZ\x90\x00\x03" + b"\x00" * 60
    )))  # fmt: skip
    (message,) = store.rows.messages.values()
    assert message.text == (
        "see the photo\n[tool.exe was not kept: files of type application/x-msdownload are "
        "not accepted: send images, PDF, text or logs]"
    )
    (kept,) = store.rows.attachments.values()
    assert (kept.name, kept.message_id, kept.conversation_id) == ("shot.png", message.id, 1)
    assert kept.key in folder.kept


async def test_without_a_file_storage_a_platforms_files_are_left_out_and_the_text_kept() -> None:
    engine, store = desk_taking_files()
    await sink_with_files(engine, None)(photo_message(FileData("a.txt", "text/plain", b"log")))
    (message,) = store.rows.messages.values()
    assert message.text == "see the photo"
    assert store.rows.attachments == {}


async def test_a_full_backlog_refuses_a_platforms_files_before_keeping_them() -> None:
    """Telegram and mail send a refused update again, so their sink (the default) refuses it
    whole; Discord's gateway does not, so its sink (``refusable=False``) takes it anyway."""
    engine, store = desk_taking_files(max_messages=1)
    engine.backlog.admit()  # one message waits: the backlog is full
    keeper, folder = files()
    shot = FileData("shot.png", "image/png", image("RGB"))
    with pytest.raises(Overloaded):
        await sink_with_files(engine, keeper)(photo_message(shot))
    assert folder.kept == {} and store.rows.messages == {}
    await sink_with_files(engine, keeper, refusable=False)(photo_message(shot))
    assert len(store.rows.messages) == 1 and len(store.rows.attachments) == 1


async def test_a_backlog_that_fills_while_the_files_are_kept_still_refuses_the_message() -> None:
    """The sink checks the backlog before keeping files and the engine again when it stores
    the message: a burst that fills it in between is refused (the platform sends it again)."""
    engine, store = desk_taking_files()
    waiting = iter([0, 1])  # the database's write queue: empty, then full
    engine.backlog = Backlog(max_writes=1, writes_waiting=lambda: next(waiting))
    keeper, folder = files()
    with pytest.raises(Overloaded):
        await sink_with_files(engine, keeper)(photo_message(FileData("a.txt", "text/plain", b"x")))
    assert store.rows.messages == {} and len(folder.kept) == 1
