"""Where discord.py goes and what it carries: Discord's URLs (a proxy, a local fake), a
customer's attachments fetched from Discord's CDN, agents' files as native attachments."""

from __future__ import annotations

import dataclasses
import io

import aiohttp
import discord
import yarl
from discord.gateway import DiscordWebSocket

from bot.ports import FileData, InboundEvent

MAX_FILE_BYTES = 10 * 1024 * 1024
SavedUrls = tuple[str, yarl.URL]


def point_discord_at(api_url: str | None, gateway_url: str | yarl.URL | None) -> SavedUrls | None:
    """REST calls to ``api_url`` (``…/api/v10``), the gateway at ``gateway_url``; returns the
    URLs they replace (None when both are None). discord.py reads both from class attributes,
    so this holds for the whole process: the channel puts the old ones back when it stops."""
    if not (api_url or gateway_url):
        return None
    saved = (discord.http.Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY)
    discord.http.Route.BASE = api_url or saved[0]
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url or saved[1])
    return saved


async def with_files(event: InboundEvent, message: discord.Message) -> InboundEvent:
    """``event`` with the message's attachments (a note in the text for one not fetched)."""
    files, notes = [], []
    for attachment in message.attachments:
        if attachment.size > MAX_FILE_BYTES:
            notes.append(f"[{attachment.filename} was not kept: larger than 10 MB]")
            continue
        try:
            data = await attachment.read()
        except (discord.HTTPException, aiohttp.ClientError, OSError) as exc:
            notes.append(f"[{attachment.filename} could not be fetched from Discord: {exc}]")
            continue
        files.append(FileData(attachment.filename, attachment.content_type or "", data))
    text = "\n".join([event.text, *notes]).strip()
    return dataclasses.replace(event, text=text, files=tuple(files))


def as_discord_files(files: tuple[FileData, ...]) -> list[discord.File]:
    return [discord.File(io.BytesIO(f.data), filename=f.name) for f in files]
