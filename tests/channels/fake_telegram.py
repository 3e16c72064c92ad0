"""An in-process fake of the Telegram Bot API, for driving the real python-telegram-bot.

Serves ``/bot<token>/<method>`` on 127.0.0.1 (port 0), reads form fields as the library sends
them, records every call, and answers 404 for any method it does not implement so a test notices
when the adapter starts using something new. Updates wait in a queue until a ``getUpdates`` with
a higher ``offset`` confirms them, as on the real server; with a webhook set they are POSTed to
it instead, with the secret header.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

TOKEN = "123456:TEST-token"
BOT_USER = {
    "id": 123456,
    "is_bot": True,
    "first_name": "Frontdesk",
    "username": "FrontdeskBot",
    "can_join_groups": False,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}
JSON = dict[str, Any]


@dataclass
class Call:
    """One request the bot made: the Bot API method and its decoded parameters."""

    method: str
    params: JSON = field(default_factory=dict)


class FakeTelegram:
    """The fake server; ``await start()`` returns the ``base_url`` to give the adapter."""

    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.calls: list[Call] = []
        self.confirmed_offset = 0
        self.webhook_url: str | None = None
        self.webhook_secret: str | None = None
        self.webhook_statuses: list[int] = []
        self._queue: list[JSON] = []
        self._replays: list[JSON] = []
        self._delivered: dict[int, JSON] = {}
        self._update_ids = itertools.count(10_001)
        self._message_ids = itertools.count(501)
        self._callback_ids = itertools.count(9_001)
        self._failures: dict[str, list[tuple[int, JSON]]] = {}
        self._changed = asyncio.Condition()
        self._stopping = False
        self._runner: web.AppRunner | None = None
        self.port = 0
        self.files: dict[str, bytes] = {}  # file_id -> content, for getFile and downloads

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    async def start(self, port: int = 0) -> str:
        """Listen on 127.0.0.1 (``port`` 0 picks a free one); returns :attr:`base_url`."""
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.*}", self._download)
        self._runner = web.AppRunner(app, shutdown_timeout=0.5, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self.base_url

    async def stop(self) -> None:
        async with self._changed:  # wake parked long polls so the runner can shut down
            self._stopping = True
            self._changed.notify_all()
        if self._runner is not None:
            await self._runner.cleanup()

    # --- what users do ---------------------------------------------------------------------

    async def inject_update(self, update: JSON) -> JSON:
        """Deliver a raw update (recorded JSON); an ``update_id`` is assigned if missing."""
        update = dict(update)
        update.setdefault("update_id", next(self._update_ids))
        if self.webhook_url is not None:
            self.webhook_statuses.append(await self.post_webhook(update, self.webhook_secret))
            return update
        async with self._changed:
            self._queue.append(update)
            self._changed.notify_all()
        return update

    async def inject_message(
        self,
        text: str,
        *,
        user_id: int = 4242,
        chat_id: int | None = None,
        chat_type: str = "private",
        first_name: str = "Ada",
        last_name: str | None = "Lovelace",
        language_code: str | None = "en",
    ) -> JSON:
        """A user sends ``text`` (a ``/command`` gets its ``bot_command`` entity)."""
        user = self.user(user_id, first_name, last_name, language_code)
        message: JSON = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": chat_id or user_id, "type": chat_type, "first_name": first_name},
            "from": user,
            "text": text,
        }
        if text.startswith("/"):
            length = len(text.split()[0])
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        return await self.inject_update({"message": message})

    async def inject_file(
        self, kind: str, data: bytes, *, caption: str | None = None, name: str = "", mime: str = ""
    ) -> JSON:
        """The user sends a photo (``kind="photo"``: a small and a large size) or a document."""
        user = self.user(4242, "Ada", "Lovelace", "en")
        file_id = f"{kind}-{len(self.files) + 1}"
        self.files[file_id] = data
        message: JSON = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": 4242, "type": "private", "first_name": "Ada"},
            "from": user,
        }
        one = {"file_id": file_id, "file_unique_id": f"u-{file_id}", "file_size": len(data)}
        if kind == "photo":
            small = {**one, "file_id": "thumb-" + file_id, "width": 90, "height": 60}
            message["photo"] = [small, {**one, "width": 640, "height": 400}]
        else:
            message["document"] = {**one, "file_name": name, "mime_type": mime}
        if caption is not None:
            message["caption"] = caption
        return await self.inject_update({"message": message})

    async def inject_callback(
        self,
        data: str,
        *,
        user_id: int = 4242,
        label: str = "Button",
        message_id: int = 1,
        language_code: str | None = "en",
    ) -> JSON:
        """A user presses the inline button carrying ``data`` under one of the bot's messages."""
        user = self.user(user_id, "Ada", "Lovelace", language_code)
        message = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": user_id, "type": "private", "first_name": "Ada"},
            "from": BOT_USER,
            "text": "Pick one",
            "reply_markup": {"inline_keyboard": [[{"text": label, "callback_data": data}]]},
        }
        query = {
            "id": str(next(self._callback_ids)),
            "chat_instance": "-77",
            "from": user,
            "data": data,
            "message": message,
        }
        return await self.inject_update({"callback_query": query})

    async def replay(self, update_id: int) -> None:
        """Deliver an already delivered update once more, whatever the offset (a redelivery)."""
        async with self._changed:
            self._replays.append(self._delivered[update_id])
            self._changed.notify_all()

    async def post_webhook(self, update: JSON, secret: str | None) -> int:
        """POST ``update`` to the registered webhook with ``secret`` in the header; the status."""
        assert self.webhook_url is not None, "no webhook registered"
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
        async with (
            aiohttp.ClientSession() as session,
            session.post(self.webhook_url, json=update, headers=headers) as response,
        ):
            return response.status

    @staticmethod
    def user(
        user_id: int, first_name: str, last_name: str | None, language_code: str | None
    ) -> JSON:
        user: JSON = {"id": user_id, "is_bot": False, "first_name": first_name}
        if last_name:
            user["last_name"] = last_name
        if language_code:
            user["language_code"] = language_code
        return user

    # --- failures --------------------------------------------------------------------------

    def fail_next(self, method: str, times: int, status: int, body: JSON) -> None:
        """Answer the next ``times`` calls of ``method`` with ``status`` and ``body``."""
        self._failures.setdefault(method, []).extend([(status, body)] * times)

    def rate_limit_next(self, times: int = 1, retry_after: int = 7) -> None:
        self.fail_next(
            "sendMessage",
            times,
            429,
            {
                "ok": False,
                "error_code": 429,
                "description": f"Too Many Requests: retry after {retry_after}",
                "parameters": {"retry_after": retry_after},
            },
        )

    def block_next(self, times: int = 1) -> None:
        self.fail_next(
            "sendMessage",
            times,
            403,
            {
                "ok": False,
                "error_code": 403,
                "description": "Forbidden: bot was blocked by the user",
            },
        )

    # --- what the bot did ------------------------------------------------------------------

    def calls_of(self, method: str) -> list[Call]:
        return [call for call in self.calls if call.method == method]

    async def wait_for_call(
        self,
        method: str,
        predicate: Callable[[Call], bool] | None = None,
        *,
        count: int = 1,
        within: float = 5.0,
    ) -> Call:
        """Wait until ``count`` calls of ``method`` matched ``predicate``; the last of them."""

        def matching() -> list[Call]:
            return [c for c in self.calls_of(method) if predicate is None or predicate(c)]

        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: len(matching()) >= count), within)
            return matching()[count - 1]

    # --- the server ------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _reply(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
        method = request.match_info["method"]
        try:
            form = await request.post()
        except ConnectionResetError:  # the bot cancelled the request (a long poll at stop)
            return web.Response(status=499)
        params = {key: _decode(key, value) for key, value in form.items()}
        async with self._changed:
            self.calls.append(Call(method, params))
            self._changed.notify_all()
        failures = self._failures.get(method)
        if failures:
            status, body = failures.pop(0)
            return _reply(status, body)
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            return _reply(404, {"ok": False, "error_code": 404, "description": "Not Found"})
        status, result = await handler(params)
        if status != 200:
            return _reply(status, {"ok": False, "error_code": status, "description": result})
        return _reply(200, {"ok": True, "result": result})

    async def _download(self, request: web.Request) -> web.Response:
        file_id = request.match_info["path"].rsplit("/", 1)[-1]
        if request.match_info["token"] != self.token or file_id not in self.files:
            return web.Response(status=404)
        return web.Response(body=self.files[file_id])

    async def _api_getFile(self, params: JSON) -> tuple[int, Any]:
        file_id = str(params["file_id"])
        if file_id not in self.files:
            return 400, "Bad Request: invalid file_id"
        size = len(self.files[file_id])
        path = f"documents/{file_id}"
        return 200, {
            "file_id": file_id,
            "file_unique_id": "u",
            "file_size": size,
            "file_path": path,
        }

    async def _api_sendPhoto(self, params: JSON) -> tuple[int, Any]:
        return await self._sent_file(params, "photo")

    async def _api_sendDocument(self, params: JSON) -> tuple[int, Any]:
        return await self._sent_file(params, "document")

    async def _sent_file(self, params: JSON, kind: str) -> tuple[int, Any]:
        one = {"file_id": f"sent-{kind}", "file_unique_id": "s", "width": 1, "height": 1}
        message: JSON = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": int(params["chat_id"]), "type": "private"},
            "from": BOT_USER,
            kind: [one] if kind == "photo" else one,
        }
        return 200, message

    async def _api_getMe(self, params: JSON) -> tuple[int, Any]:
        return 200, BOT_USER

    async def _api_deleteWebhook(self, params: JSON) -> tuple[int, Any]:
        self.webhook_url = self.webhook_secret = None
        return 200, True

    async def _api_setWebhook(self, params: JSON) -> tuple[int, Any]:
        self.webhook_url = params["url"]
        self.webhook_secret = params.get("secret_token")
        return 200, True

    async def _api_getUpdates(self, params: JSON) -> tuple[int, Any]:
        if self.webhook_url is not None:
            return 409, "Conflict: can't use getUpdates method while webhook is active"
        offset = int(params.get("offset") or 0)
        timeout = float(params.get("timeout") or 0)

        def ready() -> list[JSON]:
            return self._replays + [u for u in self._queue if u["update_id"] >= offset]

        async with self._changed:
            if offset:
                self.confirmed_offset = max(self.confirmed_offset, offset)
                self._queue = [u for u in self._queue if u["update_id"] >= offset]
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    self._changed.wait_for(lambda: self._stopping or bool(ready())), timeout
                )
            batch = ready()
            self._replays.clear()
            for update in batch:
                self._delivered[update["update_id"]] = update
            return 200, batch

    async def _api_sendMessage(self, params: JSON) -> tuple[int, Any]:
        chat_id = int(params["chat_id"])
        message: JSON = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private"},
            "from": BOT_USER,
            "text": params["text"],
        }
        if "reply_markup" in params:
            message["reply_markup"] = params["reply_markup"]
        return 200, message

    async def _api_answerCallbackQuery(self, params: JSON) -> tuple[int, Any]:
        return 200, True


_JSON_FIELDS = frozenset({"reply_markup", "allowed_updates", "entities", "link_preview_options"})


def _decode(key: str, value: object) -> Any:
    """Form fields hold strings; the library JSON-encodes objects and lists; an uploaded file
    is recorded as ``{"filename", "data"}``."""
    if isinstance(value, web.FileField):
        return {"filename": value.filename, "data": value.file.read()}
    return json.loads(value) if key in _JSON_FIELDS and isinstance(value, str) else value


def _reply(status: int, body: JSON) -> web.Response:
    body_bytes = json.dumps(body).encode()
    return web.Response(status=status, body=body_bytes, content_type="application/json")
