"""Pure translation of Telegram updates into :class:`InboundEvent` (no I/O, no bot needed).

Only private chats are served: an update from a group, supergroup or channel translates to
``None`` and is dropped, because a support conversation must not be read by other members.
Edited messages, messages without text, caption, photo or document (stickers, locations) and
other update kinds also translate to ``None``; photos and documents are listed by
:func:`file_refs` for the adapter to download.

``platform_message_id`` is ``message:<chat id>:<message id>`` for messages (message ids are
unique within a chat) and ``callback:<callback query id>`` for button presses. Both are the same
whenever Telegram redelivers an update, by long polling or by webhook, and unlike ``update_id``
they are never reused (Telegram restarts update ids at random after a week without updates).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from telegram import CallbackQuery, Chat, Message, Update, User

from bot.ports import InboundEvent
from models import ChannelKind

COMMANDS = frozenset({"start", "status", "new"})
"""Slash commands the front desk understands; any other ``/word`` is passed on as text."""

_COMMAND = re.compile(r"^/([A-Za-z0-9_]{1,32})(?:@[A-Za-z0-9_]+)?(?:\s+|$)")


def event_from_json(data: Mapping[str, Any]) -> InboundEvent | None:
    """Translate one update as Telegram sends it (a JSON object) into an event, or ``None``."""
    return event_from_update(Update.de_json(dict(data), None))


def event_from_update(update: Update) -> InboundEvent | None:
    """Translate a parsed update into an event, or ``None`` when the front desk ignores it."""
    if update.callback_query is not None:
        return _from_callback_query(update.callback_query)
    if update.message is not None:
        return _from_message(update.message)
    return None


def parse_command(text: str) -> tuple[str | None, str]:
    """Split ``/start@FrontdeskBot hello`` into ``("start", "hello")``.

    Unknown commands are not commands to the front desk: ``("/help", ...)`` comes back as
    ``(None, text)`` so the engine treats it as what the customer typed.
    """
    match = _COMMAND.match(text)
    if match is None or match.group(1).lower() not in COMMANDS:
        return None, text
    return match.group(1).lower(), text[match.end() :].strip()


def _from_message(message: Message) -> InboundEvent | None:
    user = message.from_user
    if message.chat.type != Chat.PRIVATE or user is None or user.is_bot:
        return None
    text = message.text if message.text is not None else message.caption
    if text is None and not file_refs(message):
        return None
    text = text or ""
    command, text = parse_command(text)
    return InboundEvent(
        channel=ChannelKind.TELEGRAM,
        platform_message_id=f"message:{message.chat.id}:{message.message_id}",
        user_id=str(user.id),
        address=str(message.chat.id),
        text=text,
        command=command,
        display_name=display_name(user),
        language=user.language_code,
    )


def file_refs(message: Message) -> list[tuple[str, str, str, int]]:
    """``(file_id, name, claimed type, size)`` of what a message carries: a photo's largest
    size, and a document. The adapter downloads them (``getFile``)."""
    found = []
    if message.photo:
        largest = message.photo[-1]
        size = largest.file_size or 0
        found.append((largest.file_id, f"photo-{message.message_id}.jpg", "image/jpeg", size))
    if message.document is not None:
        doc = message.document
        name = doc.file_name or f"document-{message.message_id}"
        found.append((doc.file_id, name, doc.mime_type or "", doc.file_size or 0))
    return found


def _from_callback_query(query: CallbackQuery) -> InboundEvent | None:
    message = query.message
    if query.data is None or query.from_user.is_bot:
        return None  # game callbacks carry no data
    if message is not None and message.chat.type != Chat.PRIVATE:
        return None
    # In a private chat the chat id equals the user id, so an inaccessible message still tells
    # us where to answer.
    address = str(message.chat.id) if message is not None else str(query.from_user.id)
    return InboundEvent(
        channel=ChannelKind.TELEGRAM,
        platform_message_id=f"callback:{query.id}",
        user_id=str(query.from_user.id),
        address=address,
        text=_button_label(message, query.data),
        payload=query.data,
        display_name=display_name(query.from_user),
        language=query.from_user.language_code,
    )


def _button_label(message: object, data: str) -> str:
    """The label of the pressed button, so a transcript reads as what the customer chose."""
    markup = message.reply_markup if isinstance(message, Message) else None
    if markup is None:
        return ""
    for row in markup.inline_keyboard:
        for button in row:
            if button.callback_data == data:
                return button.text
    return ""


def display_name(user: User) -> str:
    """``First Last``, or ``@username`` when the user set no name."""
    name = " ".join(part for part in (user.first_name, user.last_name) if part).strip()
    if name:
        return name
    return f"@{user.username}" if user.username else ""
