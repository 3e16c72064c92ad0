"""A whole `frontdesk run` process serves Discord through the URL settings alone
(``FRONTDESK_DISCORD_API_URL``, ``FRONTDESK_DISCORD_GATEWAY_URL``), pointed at the local fake
Discord: nothing in the process is patched. A customer's DM opens a ticket, an agent answers
on the agent API, the answer reaches the DM, and the customer's next DM reaches the ticket."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from tests.channels.fake_discord import FakeDiscord, RestCall

ROOT = Path(__file__).resolve().parent.parent.parent
PASSWORD = "correct horse battery staple"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def posted(fragment: str) -> object:
    return lambda call: fragment in str((call.body or {}).get("content", ""))


@pytest.fixture
async def frontdesk(
    discord_fake: FakeDiscord, model_dir: Path, tmp_path: Path
) -> AsyncIterator[str]:
    """`frontdesk run` (as ``python -m bot run``) on a free port; its base URL."""
    port = free_port()
    env = {
        **os.environ,
        "FRONTDESK_DATA_DIR": str(tmp_path),
        "FRONTDESK_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/fd.db",
        "FRONTDESK_DISCORD_TOKEN": "fake-discord-token",
        "FRONTDESK_DISCORD_API_URL": discord_fake.urls["api_url"],
        "FRONTDESK_DISCORD_GATEWAY_URL": discord_fake.urls["gateway_url"],
        "FRONTDESK_ESCALATION_INTERVAL_S": "0",
        "FRONTDESK_SPIKE_CHECK_INTERVAL_S": "0",
    }
    log = open(tmp_path / "server.log", "ab")  # noqa: SIM115, ASYNC230 - closed below
    created = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "agents", "create", "--email", "ann@example.com",
        "--name", "Ann", "--role", "agent", cwd=ROOT, env=env, stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL, stderr=log,
    )  # fmt: skip
    await created.communicate(f"{PASSWORD}\n".encode())
    assert created.returncode == 0, (tmp_path / "server.log").read_text()[-2000:]
    server = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", "--port", str(port), cwd=ROOT, env=env,
        stdout=subprocess.DEVNULL, stderr=log, start_new_session=True,
    )  # fmt: skip
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        if server.returncode is None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                await asyncio.wait_for(server.wait(), 20)
            except TimeoutError:
                os.killpg(server.pid, signal.SIGKILL)
                await server.wait()
        log.close()


async def healthy(http: aiohttp.ClientSession, base: str, within: float = 90) -> dict[str, str]:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while loop.time() < deadline:
        try:
            async with http.get(f"{base}/healthz") as r:
                body = await r.json()
                if body.get("channels", {}).get("discord") == "up":
                    return dict(body["channels"])
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.3)
    raise AssertionError("frontdesk run never reported Discord up")


async def test_a_frontdesk_run_process_serves_a_dm_through_the_discord_url_settings(
    discord_fake: FakeDiscord, frontdesk: str
) -> None:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        assert await healthy(http, frontdesk) == {"web": "up", "discord": "up"}

        await discord_fake.inject_dm("The desktop app freezes and closes whenever I export a PDF.")
        ack: RestCall = await discord_fake.wait_for_call(
            "POST", "/messages", posted("FD"), within=60
        )
        found = re.search(r"FD\\?-\d+", ack.body["content"])
        assert found, ack.body
        tid = found.group(0).replace("\\", "")

        login = {"email": "ann@example.com", "password": PASSWORD}
        async with http.post(f"{frontdesk}/api/agent/login", json=login) as r:
            assert r.status == 200
            headers = {"X-CSRF-Token": (await r.json())["csrf_token"]}
        api = f"{frontdesk}/api/agent/tickets/{tid}"
        async with http.post(f"{api}/claim", json={}, headers=headers) as r:
            assert r.status == 200, await r.text()
        reply = {"text": "Hi, Ann here: which version do you run?"}
        async with http.post(f"{api}/messages", json=reply, headers=headers) as r:
            assert r.status == 201, await r.text()
        answer = await discord_fake.wait_for_call(
            "POST", "/messages", posted("Ann here"), within=30
        )
        assert answer.path.endswith(f"/channels/{discord_fake.dm_channel_id()}/messages")

        await discord_fake.inject_dm("Version 4.2 on Windows 11.")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 30
        while loop.time() < deadline:
            async with http.get(api) as r:
                ticket = await r.json()
            if any("Version 4.2" in m["text"] for m in ticket["messages"]):
                break
            await asyncio.sleep(0.3)
        else:
            raise AssertionError(f"the customer's second DM never reached {tid}")
        assert ticket["channel"] == "discord"
