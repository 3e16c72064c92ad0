"""Files in web chat and on the agent API: a customer's screenshot reaches the agent, an agent's
PDF reaches the customer, and nobody else can fetch either; wrong files are refused clearly."""

from __future__ import annotations

import io
import os
import struct
import zlib
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from PIL import Image

from classifier.base import Classifier
from handoff.agents import create_agent

from .chat import ChatCustomer, frontdesk_of, serving, settings_for

PASSWORD = "correct horse battery staple"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def png(width: int = 800, height: int = 600) -> bytes:
    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        return struct.pack(">I", len(data)) + kind + data + crc

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def form(name: str, data: bytes, text: str | None = None, **fields: str) -> aiohttp.FormData:
    body = aiohttp.FormData()
    if text is not None:
        body.add_field("text", text)
    for key, value in fields.items():
        body.add_field(key, value)
    body.add_field("file", data, filename=name, content_type="image/png")
    return body


@pytest.fixture
async def client(database_url: str, tmp_path: Path, trained_classifier: Classifier):
    async with serving(settings_for(database_url, tmp_path), trained_classifier) as c:
        yield c


async def upload(customer: ChatCustomer, body: aiohttp.FormData) -> tuple[int, Any]:
    response = await customer.client.post(
        f"/api/chat/sessions/{customer.session_id}/attachments", data=body, headers=customer.auth
    )
    return response.status, await response.json()


async def agent_session(client: Any) -> dict[str, str]:
    await create_agent(frontdesk_of(client).store, "ann@example.com", "Ann", "agent", PASSWORD)
    response = await client.post(
        "/api/agent/login", json={"email": "ann@example.com", "password": PASSWORD}
    )
    assert response.status == 200
    return {"X-CSRF-Token": (await response.json())["csrf_token"]}


async def test_a_screenshot_reaches_the_agent_and_only_the_agent(client: Any) -> None:
    ravi = await (ChatCustomer(client)).open()
    await ravi.say("The export dialog shows a strange error, screenshot attached.")
    await ravi.expect(lambda m: "FD-" in m["text"])
    tid = ravi.ticket_id()
    image = png()

    status, body = await upload(ravi, form("../../screen.png", image, "the error I see"))
    assert status == 202, body
    [sent] = body["attachments"]
    assert sent["content_type"] == "image/png" and sent["size"] == len(image)
    assert sent["name"] == "screen.png"  # no path from the sender's name survives
    message = await ravi.expect(lambda m: m["sender"] == "customer" and m["attachments"])
    assert message["text"] == "the error I see"
    assert message["attachments"][0]["url"] == sent["url"]

    own = await client.get(sent["url"], headers=ravi.auth)
    assert own.status == 200 and own.content_type == "image/png"
    assert await own.read() == image
    small = await client.get(sent["thumbnail_url"], headers=ravi.auth)
    assert small.status == 200 and small.content_type == "image/png"
    assert Image.open(io.BytesIO(await small.read())).size == (320, 240)

    other = await (ChatCustomer(client)).open()
    assert (await client.get(sent["url"], headers=other.auth)).status == 401  # not its token
    through_own = sent["url"].replace(ravi.session_id, other.session_id)
    assert (await client.get(through_own, headers=other.auth)).status == 404
    assert (await client.get(sent["url"])).status == 401

    headers = await agent_session(client)
    ticket = await (await client.get(f"/api/agent/tickets/{tid}")).json()
    [file] = [a for m in ticket["messages"] for a in m["attachments"]]
    assert file["url"].startswith("/api/agent/attachments/")
    fetched = await client.get(file["url"])
    assert fetched.status == 200 and await fetched.read() == image
    assert fetched.headers["Content-Disposition"].startswith("inline")

    status, body = await _agent_upload(client, headers, tid, "fix.pdf", PDF, "The fix")
    assert status == 201, body
    pdf = await ravi.expect(lambda m: m["sender"] == "agent" and m["attachments"])
    assert pdf["text"] == "The fix"
    assert pdf["attachments"][0]["content_type"] == "application/pdf"
    got = await client.get(pdf["attachments"][0]["url"], headers=ravi.auth)
    assert got.status == 200 and await got.read() == PDF

    await client.post("/api/agent/logout", headers=headers)
    assert (await client.get(file["url"])).status == 401


async def _agent_upload(
    client: Any, headers: dict[str, str], tid: str, name: str, data: bytes, text: str
) -> tuple[int, Any]:
    body = aiohttp.FormData()
    body.add_field("text", text)
    body.add_field("file", data, filename=name, content_type="application/octet-stream")
    response = await client.post(
        f"/api/agent/tickets/{tid}/attachments", data=body, headers=headers
    )
    return response.status, await response.json()


async def test_wrong_files_are_refused_with_a_reason(client: Any) -> None:
    ravi = await (ChatCustomer(client)).open()
    exe = b"MZ\x90\x00\x03" + os.urandom(4000)
    status, body = await upload(ravi, form("photo.png", exe))
    assert (status, "not accepted" in body["error"]) == (415, True)
    status, body = await upload(ravi, form("noise.png", os.urandom(4000)))
    assert status == 415, body
    status, body = await upload(ravi, form("big.png", png(8, 8) + os.urandom(11 * 1024 * 1024)))
    assert status == 413 and "10 MB" in body["error"]
    status, body = await upload(ravi, form("huge.png", png(8, 8) + os.urandom(20 * 1024 * 1024)))
    assert status == 413, body
    without = aiohttp.FormData()
    without.add_field("text", "no file here")
    status, body = await upload(ravi, without)
    assert status == 400 and "'file'" in body["error"]

    status, body = await upload(ravi, form("app.log", b"ERROR export failed\nat line 3\n"))
    assert status == 202 and body["attachments"][0]["content_type"] == "text/plain"
    log = await client.get(body["attachments"][0]["url"], headers=ravi.auth)
    assert log.headers["Content-Disposition"].startswith("attachment")
    assert "sandbox" in log.headers["Content-Security-Policy"]
