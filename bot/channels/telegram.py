"""Telegram channel: long polling (default) or webhook, on python-telegram-bot's ``Bot``.

Delivery guarantee: at least once. An update is acknowledged to Telegram only after the
:data:`InboundSink` has committed it: in polling mode the offset passed to ``getUpdates``
advances past an update only once the sink returned, and in webhook mode the handler answers
200 only after the sink returned (Telegram retries anything else). A crash in between makes
Telegram deliver the update again, and the sink's de-duplication on ``platform_message_id``
drops the second copy.

Why not ``telegram.ext.Updater``: it fetches a batch, puts it on a queue for ``Application`` and
immediately asks for the next batch with the advanced offset, which confirms the updates to
Telegram before any handler ran. A crash then loses them, so this module runs its own small
loop over :meth:`telegram.Bot.get_updates` instead; ``Application`` brings nothing else we use
(translation is a pure function in :mod:`bot.channels.telegram_events`).

The adapter never stops the front desk from starting: when the Bot API cannot be reached,
:meth:`TelegramChannel.start` returns after the first failed attempt with :attr:`healthy`
False and keeps retrying in the background with capped exponential backoff.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import hmac
import logging
import math
import warnings
from collections.abc import Sequence
from datetime import timedelta
from urllib.parse import urlsplit

from aiohttp import web
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.request import HTTPXRequest
from telegram.warnings import PTBDeprecationWarning

from bot.channels.telegram_events import event_from_update, file_refs
from bot.channels.text import signed, split_text, utf16_len
from bot.ports import (
    ChannelPermanentError,
    ChannelRateLimited,
    ChannelSendError,
    ChannelTemporaryError,
    FileData,
    InboundEvent,
    InboundSink,
    OutboundMessage,
)
from models import Button, ChannelKind, Overloaded, ValidationError
from models.inputs import parse_json

logger = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.telegram.org/bot"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MESSAGE_LIMIT = 4096
"""Longest text of one message, in UTF-16 code units."""
CALLBACK_DATA_LIMIT = 64
"""Longest ``callback_data`` of an inline button, in bytes."""
ALLOWED_UPDATES = ("message", "callback_query")
MAX_FILE_BYTES = 10 * 1024 * 1024


class TelegramChannel:
    """The Telegram platform behind the :class:`~bot.ports.Channel` port.

    Args:
        token: The bot token from @BotFather (``FRONTDESK_TELEGRAM_TOKEN``).
        base_url: Bot API root the token is appended to, for a self-hosted Bot API server
            (``FRONTDESK_TELEGRAM_BASE_URL``, e.g. ``http://botapi.internal:8081/bot``).
        webhook_url: Public HTTPS URL Telegram POSTs updates to; when set the adapter runs in
            webhook mode and the lead mounts :meth:`handle_webhook` at that URL's path.
        webhook_secret: Required with ``webhook_url``: 1-256 of ``A-Z a-z 0-9 _ -``; Telegram
            sends it in ``X-Telegram-Bot-Api-Secret-Token`` and other callers get 403.
        poll_timeout: Seconds one long poll waits on the server for updates.
        request_timeout: Seconds to wait for any other Bot API answer.
        backoff_initial: First wait after the API could not be reached; doubles per failure.
        backoff_max: Cap of that wait.
    """

    name = ChannelKind.TELEGRAM

    def __init__(
        self,
        token: str,
        *,
        base_url: str | None = None,
        webhook_url: str | None = None,
        webhook_secret: str | None = None,
        poll_timeout: float = 30.0,
        request_timeout: float = 10.0,
        backoff_initial: float = 1.0,
        backoff_max: float = 60.0,
    ) -> None:
        if webhook_url and not webhook_secret:
            raise ValueError("a Telegram webhook needs a secret token (webhook_secret)")
        if webhook_secret is not None and not _valid_secret(webhook_secret):
            raise ValueError("webhook_secret must be 1-256 characters of A-Z, a-z, 0-9, _ and -")
        self._webhook_url = webhook_url
        self._webhook_secret = webhook_secret
        self._poll_timeout = poll_timeout
        self._backoff_initial = backoff_initial
        self._backoff_max = backoff_max
        self._bot = Bot(
            token,
            base_url=base_url or DEFAULT_BASE_URL,
            base_file_url=_file_url(base_url or DEFAULT_BASE_URL),
            request=HTTPXRequest(
                connection_pool_size=8,
                read_timeout=request_timeout,
                connect_timeout=request_timeout,
            ),
            get_updates_request=HTTPXRequest(
                connection_pool_size=1,
                read_timeout=request_timeout,  # get_updates adds poll_timeout to this
                connect_timeout=request_timeout,
            ),
        )
        self._sink: InboundSink | None = None
        self._task: asyncio.Task[None] | None = None
        self._offset: int | None = None
        self._healthy = False

    @property
    def healthy(self) -> bool:
        """Whether the last exchange with the Bot API succeeded."""
        return self._healthy

    @property
    def webhook_mode(self) -> bool:
        return self._webhook_url is not None

    @property
    def webhook_path(self) -> str | None:
        """The path of ``webhook_url``: where to mount :meth:`handle_webhook`."""
        return urlsplit(self._webhook_url).path or "/" if self._webhook_url else None

    async def start(self, sink: InboundSink) -> None:
        """Connect (getMe, then setWebhook or deleteWebhook) and start receiving.

        Returns after the first connection attempt, successful or not; failures are retried
        in the background. Raises ``RuntimeError`` if already started.
        """
        if self._task is not None:
            raise RuntimeError("TelegramChannel already started")
        self._sink = sink
        first_attempt = asyncio.Event()
        self._task = asyncio.create_task(self._run(first_attempt), name="telegram-channel")
        waiter = asyncio.create_task(first_attempt.wait())
        await asyncio.wait({waiter, self._task}, return_when=asyncio.FIRST_COMPLETED)
        waiter.cancel()

    async def stop(self) -> None:
        """Stop receiving, confirm what the sink stored, and close the HTTP connections.

        Safe after a failed or partial start. In webhook mode the webhook stays registered, so
        Telegram keeps (and retries) updates until the front desk is back.
        """
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if task is not None and not self.webhook_mode and self._offset is not None:
            # Confirm the updates the sink committed, so a clean restart does not re-read them.
            with contextlib.suppress(TelegramError):
                await self._bot.get_updates(offset=self._offset, timeout=0, read_timeout=2)
        with contextlib.suppress(TelegramError):
            await self._bot.shutdown()
        self._healthy = False
        self._sink = None

    async def handle_webhook(self, request: web.Request) -> web.Response:
        """aiohttp handler for Telegram's webhook POSTs; mount it at ``webhook_url``'s path.

        403 without the right secret (nothing is read), 400 for a body that is no update, 503
        while not started or while the front desk is too busy (with ``Retry-After``), 500 if
        the sink failed (Telegram retries both), 200 once stored.
        """
        secret = request.headers.get(SECRET_HEADER, "")
        expected = self._webhook_secret
        if expected is None or not hmac.compare_digest(secret.encode(), expected.encode()):
            return web.Response(status=403)
        if self._sink is None:
            return web.Response(status=503)
        try:
            data = parse_json(await request.read(), max_bytes=1024 * 1024)
            update = Update.de_json(data, self._bot)
        except (ValidationError, ValueError, TypeError, KeyError, AttributeError):
            return web.Response(status=400, text="not a Telegram update")
        try:
            await self._deliver(update)
        except Overloaded as exc:
            retry = str(max(1, math.ceil(exc.retry_after)))
            return web.Response(status=503, headers={"Retry-After": retry})
        except Exception:
            logger.exception("Telegram update %s could not be stored", update.update_id)
            return web.Response(status=500)
        return web.Response(status=200)

    async def send(self, message: OutboundMessage) -> None:
        """Send plain text (never a parse mode, so no text can inject markup).

        Long texts become several messages split on word boundaries; the buttons go on the
        last one. If a later part fails after earlier parts were delivered, a retry of the
        whole message repeats those parts.
        """
        try:
            chat_id = int(message.address)
        except ValueError:
            raise ChannelPermanentError(f"not a Telegram chat id: {message.address!r}") from None
        markup = _keyboard(message.buttons)
        parts = split_text(signed(message.text, message.extra), MESSAGE_LIMIT, measure=utf16_len)
        if not any(part.strip() for part in parts) and not message.files:
            raise ChannelPermanentError("Telegram cannot send an empty message")
        for file in message.files:  # agents' files first, then the words about them
            await self._send_file(chat_id, file)
        for index, part in enumerate(parts if message.text.strip() else []):
            last = index == len(parts) - 1
            try:
                await self._bot.send_message(
                    chat_id=chat_id, text=part, reply_markup=markup if last else None
                )
            except TelegramError as exc:
                raise self._send_error(exc) from exc
            except RuntimeError as exc:  # the HTTP client is shut down: not started yet
                raise ChannelTemporaryError("Telegram channel is not running") from exc
            self._healthy = True

    async def _send_file(self, chat_id: int, file: FileData) -> None:
        try:
            if file.content_type in ("image/png", "image/jpeg", "image/gif", "image/webp"):
                await self._bot.send_photo(chat_id=chat_id, photo=file.data, filename=file.name)
            else:
                await self._bot.send_document(
                    chat_id=chat_id, document=file.data, filename=file.name
                )
        except TelegramError as exc:
            raise self._send_error(exc) from exc
        except RuntimeError as exc:
            raise ChannelTemporaryError("Telegram channel is not running") from exc

    async def _run(self, first_attempt: asyncio.Event) -> None:
        """Connect, then poll (or, with a webhook, finish), retrying with capped backoff."""
        delay = self._backoff_initial
        connected = False
        while True:
            try:
                if not connected:
                    await self._connect()
                    connected = True
                    self._healthy = True
                    first_attempt.set()
                    if self.webhook_mode:
                        return
                await self._poll_once()
                delay = self._backoff_initial
            except RetryAfter as exc:
                await asyncio.sleep(_retry_after_seconds(exc))
            except Overloaded as exc:  # the update stays unconfirmed: fetched again after this
                logger.warning("Telegram updates wait: %s", exc)
                await asyncio.sleep(exc.retry_after)
            except BadRequest as exc:  # a NetworkError too, but not an outage: e.g. a refused
                # webhook URL. Said in one line, and retried.
                logger.warning("Telegram refused the request (%s); retrying in %.1fs", exc, delay)
                self._healthy = connected
                first_attempt.set()
                await asyncio.sleep(delay)
                delay = min(delay * 2, self._backoff_max)
            except (NetworkError, Conflict, InvalidToken) as exc:
                # InvalidToken's text contains the token: never log it.
                reason = "the token was rejected" if isinstance(exc, InvalidToken) else str(exc)
                logger.warning("Telegram API unreachable (%s); retrying in %.1fs", reason, delay)
                self._healthy = False
                first_attempt.set()
                await asyncio.sleep(delay)
                delay = min(delay * 2, self._backoff_max)
            except Exception:
                logger.exception("Telegram update could not be handled; retrying in %.1fs", delay)
                first_attempt.set()
                await asyncio.sleep(delay)
                delay = min(delay * 2, self._backoff_max)

    async def _connect(self) -> None:
        await self._bot.initialize()
        if self._webhook_url is not None:
            await self._bot.set_webhook(
                url=self._webhook_url,
                secret_token=self._webhook_secret,
                allowed_updates=ALLOWED_UPDATES,
            )
        else:
            # Polling fails with 409 Conflict while a webhook is registered.
            await self._bot.delete_webhook(drop_pending_updates=False)

    async def _poll_once(self) -> None:
        """Fetch one batch and hand it over; the offset moves past an update once stored."""
        updates = await self._bot.get_updates(
            offset=self._offset, timeout=int(self._poll_timeout), allowed_updates=ALLOWED_UPDATES
        )
        self._healthy = True
        for update in updates:
            await self._deliver(update)
            self._offset = max(self._offset or 0, update.update_id + 1)

    async def _deliver(self, update: Update) -> None:
        """Hand one update to the sink; answer a button press only once it is stored."""
        event = event_from_update(update)
        if event is None:
            logger.debug("Telegram update %s ignored", update.update_id)
            return
        if update.message is not None and file_refs(update.message):
            event = await self._with_files(event, update.message)
        assert self._sink is not None
        await self._sink(event)
        if update.callback_query is not None:
            try:
                await update.callback_query.answer()
            except TelegramError as exc:  # too old, already answered: only a spinner
                logger.warning("answerCallbackQuery failed: %s", exc)

    async def _with_files(self, event: InboundEvent, message: Message) -> InboundEvent:
        """Download a message's photo or document (bots may fetch up to 20 MB; we keep 10)."""
        files, notes = [], []
        for file_id, name, claimed, size in file_refs(message):
            if size > MAX_FILE_BYTES:
                notes.append(f"[{name} was not kept: larger than {MAX_FILE_BYTES // 2**20} MB]")
                continue
            try:
                found = await self._bot.get_file(file_id)
                data = bytes(await found.download_as_bytearray())
            except TelegramError as exc:
                notes.append(f"[{name} could not be fetched from Telegram: {exc}]")
                continue
            files.append(FileData(name, claimed, data))
        text = "\n".join([event.text, *notes]).strip()
        return dataclasses.replace(event, text=text, files=tuple(files))

    def _send_error(self, exc: TelegramError) -> ChannelSendError:
        if isinstance(exc, RetryAfter):
            return ChannelRateLimited(_retry_after_seconds(exc))
        if isinstance(exc, Forbidden | BadRequest | ChatMigrated):
            # Blocked by the user, chat not found, message rejected: retrying cannot help.
            return ChannelPermanentError(str(exc))
        if isinstance(exc, InvalidToken):
            self._healthy = False
            return ChannelTemporaryError("the Telegram token was rejected")
        if isinstance(exc, NetworkError):  # includes TimedOut
            self._healthy = False
        return ChannelTemporaryError(str(exc))


def _keyboard(buttons: Sequence[Button]) -> InlineKeyboardMarkup | None:
    """One button per row; short labels (ratings, yes/no) share one row."""
    if not buttons:
        return None
    for button in buttons:
        size = len(button.payload.encode())
        if not button.label or not 1 <= size <= CALLBACK_DATA_LIMIT:
            raise ChannelPermanentError(
                f"button {button.label!r}: payload must be 1-{CALLBACK_DATA_LIMIT} bytes"
            )
    keys = [InlineKeyboardButton(b.label, callback_data=b.payload) for b in buttons]
    if len(keys) <= 8 and all(len(b.label) <= 4 for b in buttons):
        return InlineKeyboardMarkup([keys])
    return InlineKeyboardMarkup([[key] for key in keys])


def _retry_after_seconds(exc: RetryAfter) -> float:
    # ``retry_after`` warns that it will become a timedelta; read it either way, quietly.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def _file_url(base_url: str) -> str:
    """Where files are downloaded: ``…/bot`` becomes ``…/file/bot`` (as on api.telegram.org)."""
    root, _, last = base_url.rstrip("/").rpartition("/")
    return f"{root}/file/{last}"


def _valid_secret(secret: str) -> bool:
    allowed = all(c.isascii() and (c.isalnum() or c in "_-") for c in secret)
    return allowed and 1 <= len(secret) <= 256
