"""Pure translation between discord.py objects and the channel port's types (no I/O).

``platform_message_id`` is ``message:<id>`` for messages and ``interaction:<id>`` for button
presses and slash commands; Discord ids are snowflakes, unique across the platform.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import discord

from bot.channels.text import split_text
from bot.ports import InboundEvent
from models import ChannelKind

MESSAGE_LIMIT = 2000
"""Longest content of one Discord message, in characters."""


def event_from_message(message: discord.Message, *, address: str) -> InboundEvent:
    """A customer's message; ``address`` is the DM channel or the customer's support thread."""
    return InboundEvent(
        channel=ChannelKind.DISCORD,
        platform_message_id=f"message:{message.id}",
        user_id=str(message.author.id),
        address=address,
        text=message.content,
        display_name=message.author.display_name,
    )


def event_from_button(interaction: discord.Interaction[Any]) -> InboundEvent | None:
    """A button press (``custom_id`` is the payload), or ``None`` for other interactions."""
    data: Mapping[str, Any] = interaction.data or {}
    if interaction.type is not discord.InteractionType.component:
        return None
    if data.get("component_type") != discord.ComponentType.button.value:
        return None
    custom_id = str(data.get("custom_id", ""))
    components = interaction.message.components if interaction.message is not None else []
    return InboundEvent(
        channel=ChannelKind.DISCORD,
        platform_message_id=f"interaction:{interaction.id}",
        user_id=str(interaction.user.id),
        address=str(interaction.channel_id),
        text=button_label(components, custom_id),
        payload=custom_id,
        display_name=interaction.user.display_name,
        language=interaction.locale.value,
    )


def event_from_ticket(
    interaction: discord.Interaction[Any], description: str, *, address: str
) -> InboundEvent:
    """``/ticket description:...``: a new conversation whose first text is the description."""
    return InboundEvent(
        channel=ChannelKind.DISCORD,
        platform_message_id=f"interaction:{interaction.id}",
        user_id=str(interaction.user.id),
        address=address,
        text=description.strip(),
        command="ticket",
        display_name=interaction.user.display_name,
        language=interaction.locale.value,
    )


def button_label(components: Iterable[Any], custom_id: str) -> str:
    """The label of the button carrying ``custom_id``, searching action rows recursively."""
    for component in components:
        if getattr(component, "custom_id", None) == custom_id:
            return str(getattr(component, "label", "") or "")
        found = button_label(getattr(component, "children", ()), custom_id)
        if found:
            return found
    return ""


def escape(text: str) -> str:
    """Show ``text`` literally: no markdown, no mentions (pings are also disabled on send)."""
    return discord.utils.escape_mentions(discord.utils.escape_markdown(text))


def render(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Escape ``text`` and split it into messages of at most ``limit`` characters.

    The raw text is split before escaping so no escape is cut from the character it protects;
    the raw limit shrinks until every escaped part fits (escaping at most doubles a part).
    """
    raw_limit = limit
    while True:
        parts = [escape(part) for part in split_text(text, raw_limit)]
        longest = max(len(part) for part in parts)
        if longest <= limit:
            return parts
        raw_limit = max(1, raw_limit - (longest - limit))
