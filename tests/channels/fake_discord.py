"""An in-process fake of Discord's REST API and gateway, for driving the real discord.py.

REST under ``/api/v10`` and a websocket gateway at ``/gateway`` on 127.0.0.1 (port 0). The
gateway says HELLO, answers heartbeats, and after IDENTIFY sends READY and a GUILD_CREATE with
one guild holding a support text channel; ``inject_*`` then dispatch what users do. Every REST
call is recorded; routes the fake does not know answer 404. Responses carry exactly
``Content-Type: application/json`` (discord.py treats anything else as text).

Point discord.py at it with :meth:`redirect` (a test-only switch, see the testing notes).
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import WSMsgType, web

JSON = dict[str, Any]
BOT_ID = "1100000000000000001"
APP_ID = "1100000000000000002"
GUILD_ID = "1100000000000000003"
SUPPORT_CHANNEL_ID = "1100000000000000004"
OTHER_CHANNEL_ID = "1100000000000000005"
CUSTOMER_ID = "1100000000000000042"
BOT_USER: JSON = {
    "id": BOT_ID,
    "username": "frontdesk",
    "discriminator": "0",
    "global_name": "Frontdesk",
    "avatar": None,
    "bot": True,
}


@dataclass
class RestCall:
    """One REST request the bot made; ``body`` is the decoded JSON (or ``payload_json``)."""

    method: str
    path: str
    body: Any = None
    query: dict[str, str] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)  # uploaded: file name -> content


def user(user_id: str = CUSTOMER_ID, name: str = "ada", global_name: str | None = "Ada") -> JSON:
    return {
        "id": user_id,
        "username": name,
        "discriminator": "0",
        "global_name": global_name,
        "avatar": None,
    }


def member(of: JSON) -> JSON:
    return {"user": of, "roles": [], "joined_at": _now(), "flags": 0, "deaf": False, "mute": False}


class FakeDiscord:
    """The fake platform; ``await start()`` then :meth:`redirect` discord.py to it."""

    def __init__(self) -> None:
        self.calls: list[RestCall] = []
        self.cdn: dict[str, bytes] = {}  # attachments customers sent, by id
        self.identified = 0
        self.threads: dict[str, JSON] = {}
        self._ids = itertools.count(1_200_000_000_000_000_000)
        self._seq = itertools.count(1)
        self._failures: dict[str, list[tuple[int, JSON, dict[str, str]]]] = {}
        self._changed = asyncio.Condition()
        self._sockets: set[web.WebSocketResponse] = set()
        self._ws: web.WebSocketResponse | None = None
        self._runner: web.AppRunner | None = None
        self.port = 0

    # --- lifecycle ---------------------------------------------------------------------------

    async def start(self, port: int = 0) -> None:
        app = web.Application()
        app.router.add_get("/gateway", self._gateway)
        app.router.add_get("/attachments/{id}/{name}", self._cdn)
        api = "/api/v10"
        app.router.add_get(f"{api}/users/@me", self._me)
        app.router.add_get(f"{api}/oauth2/applications/@me", self._application)
        app.router.add_post(f"{api}/channels/{{channel_id}}/messages", self._create_message)
        app.router.add_post(
            f"{api}/channels/{{channel_id}}/messages/{{message_id}}/threads", self._thread
        )
        app.router.add_post(f"{api}/channels/{{channel_id}}/threads", self._thread)
        app.router.add_put(
            f"{api}/channels/{{channel_id}}/thread-members/{{user_id}}", self._thread_member
        )
        app.router.add_post(f"{api}/interactions/{{id}}/{{token}}/callback", self._callback)
        app.router.add_patch(f"{api}/webhooks/{{app}}/{{token}}/messages/@original", self._edit)
        app.router.add_put(f"{api}/applications/{{app}}/commands", self._sync_commands)
        app.router.add_route("*", "/{tail:.*}", self._unknown)
        self._runner = web.AppRunner(app, shutdown_timeout=0.5, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    @property
    def urls(self) -> dict[str, str]:
        """Where discord.py should go instead of Discord: the channel's ``api_url`` and
        ``gateway_url`` (``FRONTDESK_DISCORD_API_URL`` / ``…_GATEWAY_URL``)."""
        return {
            "api_url": f"http://127.0.0.1:{self.port}/api/v10",
            "gateway_url": f"ws://127.0.0.1:{self.port}/gateway",
        }

    async def stop(self) -> None:
        for ws in list(self._sockets):
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    # --- what users do -------------------------------------------------------------------------

    async def dispatch(self, event: str, payload: JSON) -> JSON:
        """Send a gateway DISPATCH (recorded payloads go through here unchanged)."""
        assert self._ws is not None, "no identified gateway connection"
        await self._ws.send_str(
            json.dumps({"op": 0, "t": event, "s": next(self._seq), "d": payload})
        )
        return payload

    def dm_channel_id(self, user_id: str = CUSTOMER_ID) -> str:
        return str(int(user_id) + 10_000)

    async def inject_dm(
        self,
        content: str,
        *,
        author: JSON | None = None,
        files: tuple[tuple[str, str, bytes], ...] = (),
    ) -> JSON:
        """A DM, with ``files`` as ``(name, content type, bytes)`` served by this fake's CDN."""
        author = author or user()
        message = self._message(self.dm_channel_id(author["id"]), content, author)
        for name, content_type, data in files:
            file_id = str(next(self._ids))
            self.cdn[file_id] = data
            url = f"http://127.0.0.1:{self.port}/attachments/{file_id}/{name}"
            message["attachments"].append(
                {"id": file_id, "filename": name, "size": len(data), "url": url,
                 "proxy_url": url, "content_type": content_type}
            )  # fmt: skip
        return await self.dispatch("MESSAGE_CREATE", message)

    async def inject_guild_message(
        self, content: str, *, channel_id: str = SUPPORT_CHANNEL_ID, author: JSON | None = None
    ) -> JSON:
        author = author or user()
        payload = self._message(channel_id, content, author)
        payload["guild_id"] = GUILD_ID
        payload["member"] = {k: v for k, v in member(author).items() if k != "user"}
        return await self.dispatch("MESSAGE_CREATE", payload)

    async def inject_button_press(
        self,
        custom_id: str,
        *,
        channel_id: str | None = None,
        label: str = "Button",
        in_guild: bool = False,
        presser: JSON | None = None,
    ) -> JSON:
        presser = presser or user()
        channel_id = channel_id or self.dm_channel_id(presser["id"])
        message = self._message(channel_id, "Pick one", BOT_USER)
        message["components"] = [
            {
                "type": 1,
                "components": [{"type": 2, "style": 2, "label": label, "custom_id": custom_id}],
            }
        ]
        payload = self._interaction(3, channel_id, presser, in_guild)
        payload["data"] = {"custom_id": custom_id, "component_type": 2}
        payload["message"] = message
        return await self.dispatch("INTERACTION_CREATE", payload)

    async def inject_slash_command(
        self,
        description: str,
        *,
        channel_id: str | None = None,
        in_guild: bool = False,
        invoker: JSON | None = None,
    ) -> JSON:
        invoker = invoker or user()
        channel_id = channel_id or (
            SUPPORT_CHANNEL_ID if in_guild else self.dm_channel_id(invoker["id"])
        )
        payload = self._interaction(2, channel_id, invoker, in_guild)
        payload["data"] = {
            "id": "1300000000000000001",
            "name": "ticket",
            "type": 1,
            "options": [{"name": "description", "type": 3, "value": description}],
        }
        return await self.dispatch("INTERACTION_CREATE", payload)

    # --- failures ------------------------------------------------------------------------------

    def fail_next(
        self, route: str, times: int, status: int, body: JSON, headers: dict[str, str] | None = None
    ) -> None:
        """Answer the next ``times`` calls of ``route`` (e.g. ``"create_message"``) so."""
        self._failures.setdefault(route, []).extend([(status, body, headers or {})] * times)

    def rate_limit_next(self, retry_after: float = 60.0, times: int = 1) -> None:
        """A per-route 429 as Discord sends it (through its proxy: a ``Via`` header)."""
        body = {
            "message": "You are being rate limited.",
            "retry_after": retry_after,
            "global": False,
        }
        headers = {"Via": "1.1 google", "Retry-After": str(int(retry_after))}
        self.fail_next("create_message", times, 429, body, headers)

    # --- what the bot did ----------------------------------------------------------------------

    def calls_to(self, method: str, path_suffix: str) -> list[RestCall]:
        return [c for c in self.calls if c.method == method and c.path.endswith(path_suffix)]

    async def wait_for_call(
        self,
        method: str,
        path_suffix: str,
        predicate: Callable[[RestCall], bool] | None = None,
        *,
        count: int = 1,
        within: float = 5.0,
    ) -> RestCall:
        def matching() -> list[RestCall]:
            calls = self.calls_to(method, path_suffix)
            return [c for c in calls if predicate is None or predicate(c)]

        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: len(matching()) >= count), within)
            return matching()[count - 1]

    # --- gateway -------------------------------------------------------------------------------

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._sockets.add(ws)
        try:
            await ws.send_str(json.dumps({"op": 10, "d": {"heartbeat_interval": 45000}}))
            async for frame in ws:
                if frame.type != WSMsgType.TEXT:
                    continue
                message = json.loads(frame.data)
                if message["op"] == 1:
                    await ws.send_str(json.dumps({"op": 11}))
                elif message["op"] == 2:
                    await self._identify(ws)
        finally:
            self._sockets.discard(ws)
        return ws

    async def _identify(self, ws: web.WebSocketResponse) -> None:
        self._ws = ws
        ready = {
            "v": 10,
            "user": BOT_USER,
            "guilds": [{"id": GUILD_ID, "unavailable": True}],
            "session_id": "fake-session",
            "resume_gateway_url": f"ws://127.0.0.1:{self.port}/gateway",
            "application": {"id": APP_ID, "flags": 0},
        }
        await self.dispatch("READY", ready)
        await self.dispatch("GUILD_CREATE", self._guild())
        async with self._changed:
            self.identified += 1
            self._changed.notify_all()

    def _guild(self) -> JSON:
        def text_channel(channel_id: str, name: str, position: int) -> JSON:
            return {
                "id": channel_id,
                "type": 0,
                "name": name,
                "position": position,
                "guild_id": GUILD_ID,
                "permission_overwrites": [],
            }

        return {
            "id": GUILD_ID,
            "name": "Acme",
            "owner_id": "1",
            "unavailable": False,
            "member_count": 2,
            "roles": [
                {
                    "id": GUILD_ID,
                    "name": "@everyone",
                    "permissions": "1024",
                    "position": 0,
                    "color": 0,
                    "hoist": False,
                    "managed": False,
                    "mentionable": False,
                    "flags": 0,
                }
            ],
            "channels": [
                text_channel(SUPPORT_CHANNEL_ID, "support", 0),
                text_channel(OTHER_CHANNEL_ID, "general", 1),
            ],
            "threads": list(self.threads.values()),
            "members": [member(BOT_USER)],
            "emojis": [],
            "stickers": [],
            "features": [],
            "voice_states": [],
            "presences": [],
        }

    # --- REST ----------------------------------------------------------------------------------

    async def _record(self, request: web.Request) -> RestCall:
        body: Any = None
        uploads: dict[str, bytes] = {}
        if request.content_type == "application/json":
            body = await request.json()
        elif request.content_type.startswith("multipart/"):
            form = await request.post()
            raw = form.get("payload_json")
            body = json.loads(raw) if isinstance(raw, str) else None
            for value in form.values():
                if isinstance(value, web.FileField):
                    uploads[value.filename] = value.file.read()
        call = RestCall(request.method, request.path, body, dict(request.query), uploads)
        async with self._changed:
            self.calls.append(call)
            self._changed.notify_all()
        return call

    def _failure(self, route: str) -> web.Response | None:
        failures = self._failures.get(route)
        if not failures:
            return None
        status, body, headers = failures.pop(0)
        return _json(body, status=status, headers=headers)

    async def _me(self, request: web.Request) -> web.Response:
        await self._record(request)
        return _json(BOT_USER)

    async def _application(self, request: web.Request) -> web.Response:
        await self._record(request)
        return _json(
            {
                "id": APP_ID,
                "name": "Frontdesk",
                "description": "",
                "icon": None,
                "bot_public": False,
                "bot_require_code_grant": False,
                "owner": user("1", "owner", None),
                "verify_key": "0" * 64,
                "flags": 0,
            }
        )

    async def _cdn(self, request: web.Request) -> web.Response:
        data = self.cdn.get(request.match_info["id"])
        return web.Response(body=data) if data is not None else web.Response(status=404)

    async def _create_message(self, request: web.Request) -> web.Response:
        call = await self._record(request)
        failure = self._failure("create_message")
        if failure is not None:
            return failure
        content = call.body.get("content") or ""
        message = self._message(request.match_info["channel_id"], content, BOT_USER)
        message["components"] = call.body.get("components", [])
        return _json(message)

    async def _thread(self, request: web.Request) -> web.Response:
        call = await self._record(request)
        thread_id = str(next(self._ids))
        private = "message_id" not in request.match_info and call.body.get("type") == 12
        thread = {
            "id": thread_id,
            "type": 12 if private else 11,
            "guild_id": GUILD_ID,
            "parent_id": request.match_info["channel_id"],
            "owner_id": BOT_ID,
            "name": call.body["name"],
            "message_count": 0,
            "member_count": 1,
            "rate_limit_per_user": 0,
            "thread_metadata": {
                "archived": False,
                "auto_archive_duration": call.body.get("auto_archive_duration", 1440),
                "archive_timestamp": _now(),
                "locked": False,
            },
        }
        self.threads[thread_id] = thread
        await self.dispatch("THREAD_CREATE", {**thread, "newly_created": True})
        return _json(thread, status=201)

    async def _thread_member(self, request: web.Request) -> web.Response:
        await self._record(request)
        return web.Response(status=204)

    async def _callback(self, request: web.Request) -> web.Response:
        await self._record(request)
        return _json({"interaction": {"id": request.match_info["id"], "type": 3}})

    async def _edit(self, request: web.Request) -> web.Response:
        call = await self._record(request)
        return _json(self._message("0", (call.body or {}).get("content") or "", BOT_USER))

    async def _sync_commands(self, request: web.Request) -> web.Response:
        call = await self._record(request)
        commands = [
            {**command, "id": str(next(self._ids)), "application_id": APP_ID, "version": "1"}
            for command in call.body
        ]
        return _json(commands)

    async def _unknown(self, request: web.Request) -> web.Response:
        await self._record(request)
        return _json({"message": "404: Not Found", "code": 0}, status=404)

    # --- payloads ------------------------------------------------------------------------------

    def _message(self, channel_id: str, content: str, author: JSON) -> JSON:
        return {
            "id": str(next(self._ids)),
            "channel_id": channel_id,
            "type": 0,
            "content": content,
            "author": author,
            "timestamp": _now(),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": [],
            "pinned": False,
            "flags": 0,
        }

    def _interaction(self, kind: int, channel_id: str, who: JSON, in_guild: bool) -> JSON:
        payload: JSON = {
            "id": str(next(self._ids)),
            "application_id": APP_ID,
            "type": kind,
            "token": f"token-{next(self._ids)}",
            "version": 1,
            "channel_id": channel_id,
            "locale": "en-GB",
            "attachment_size_limit": 10_485_760,
            "app_permissions": "0",
            "entitlements": [],
        }
        if in_guild:
            thread = self.threads.get(channel_id)
            channel_type = thread["type"] if thread else 0
            payload["guild_id"] = GUILD_ID
            payload["channel"] = {"id": channel_id, "type": channel_type, "guild_id": GUILD_ID}
            payload["member"] = {**member(who), "permissions": "1024"}
        else:
            payload["channel"] = {"id": channel_id, "type": 1, "recipients": [who]}
            payload["user"] = who
        return payload


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _json(body: Any, *, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    # ``body=bytes`` keeps the content type exactly ``application/json`` (no charset).
    return web.Response(
        status=status,
        body=json.dumps(body).encode(),
        content_type="application/json",
        headers=headers,
    )
