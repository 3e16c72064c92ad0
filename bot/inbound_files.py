"""Files that come in on a platform channel (Telegram, Discord, email): kept before the message.

A channel fetches the bytes from its platform and hands them over on the :class:`InboundEvent`;
here each is checked and kept (``service.attachments.Files``), then the event is stored with
them. A file the front desk refuses (too large, not an image, PDF or text) does not lose the
message: its text says which file was left out and why, so agents see it too.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import TYPE_CHECKING

from models import Attachment, FileTooLarge, UnsupportedFile

from .ports import InboundEvent, InboundSink

if TYPE_CHECKING:
    from service.attachments import Files

    from .engine import Engine

log = logging.getLogger(__name__)


def sink_with_files(engine: Engine, files: Files | None, refusable: bool = True) -> InboundSink:
    """The sink a platform channel starts with. ``refusable``: the channel's platform sends a
    refused event again (Telegram, mail), so a full backlog refuses it (``models.Overloaded``)
    before its files are kept; Discord's gateway does not, so its events are always taken."""

    async def sink(event: InboundEvent) -> None:
        if refusable:
            engine.backlog.check()
        kept: list[Attachment] = []
        notes: list[str] = []
        for file in event.files if files is not None else ():
            assert files is not None
            try:
                kept.append(await files.keep(file.name, file.data))
            except (FileTooLarge, UnsupportedFile) as exc:
                notes.append(f"[{file.name} was not kept: {exc}]")
        if notes:
            text = "\n".join([event.text, *notes]).strip()
            event = dataclasses.replace(event, text=text)
        await engine.accept(dataclasses.replace(event, files=()), tuple(kept), refusable=refusable)

    return sink
