"""Discord channel on discord.py: DMs, threads in a support channel, ``/ticket`` and buttons.

Customers reach the front desk three ways:

* a direct message to the bot: the DM channel is the conversation's address;
* a message in the configured support channel: the bot opens a public thread on that message
  and the thread is the address; later messages in the thread flow in;
* the ``/ticket description:...`` slash command: in a DM it answers there, in a server it opens
  a private thread in the support channel (or the current channel) and adds the customer.

Delivery guarantee: best effort, then at most once per event id. Discord's gateway replays
missed events only when a session is resumed; an event that arrives while the sink fails is
logged and lost (a button press then shows "interaction failed" to the customer, because it is
acknowledged only after the sink stored it).

When Discord cannot be reached, :meth:`DiscordChannel.start` returns after the first failed
attempt with :attr:`healthy` False and a background task retries with capped exponential
backoff; once connected, discord.py itself resumes dropped gateway connections.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from typing import Any

import aiohttp
import discord
from discord import app_commands

from bot.channels.discord_events import (
    event_from_button,
    event_from_message,
    event_from_ticket,
    render,
)
from bot.channels.discord_transport import (
    SavedUrls,
    as_discord_files,
    point_discord_at,
    with_files,
)
from bot.channels.text import signed
from bot.ports import (
    ChannelPermanentError,
    ChannelRateLimited,
    ChannelSendError,
    ChannelTemporaryError,
    InboundSink,
    OutboundMessage,
)
from models import Button, ChannelKind

logger = logging.getLogger(__name__)

TICKET_ACK = "Thanks, we have your request. We will answer you here."
TICKET_FAILED = "Sorry, we could not open your ticket just now. Please try again in a minute."
_CUSTOMER_MESSAGE_TYPES = (discord.MessageType.default, discord.MessageType.reply)
_MAX_BUTTONS = 25


class DiscordChannel:
    """The Discord platform behind the :class:`~bot.ports.Channel` port.

    Args:
        token: The bot token from the developer portal (``FRONTDESK_DISCORD_TOKEN``).
        support_channel_id: Text channel whose messages open support threads
            (``FRONTDESK_DISCORD_SUPPORT_CHANNEL_ID``); without it only DMs and ``/ticket``
            are served and other server messages are ignored.
        backoff_initial: First wait after Discord could not be reached; doubles per failure.
        backoff_max: Cap of that wait.
        max_ratelimit_timeout: Longest 429 wait (seconds, at least 30) discord.py sits out
            inside :meth:`send`; a longer one raises :class:`ChannelRateLimited` instead.
        guild_ready_timeout: How long discord.py waits for servers to stream in at login.
        start_timeout: Longest :meth:`start` waits for the first connection attempt.
        ticket_ack: Ephemeral answer to ``/ticket`` once the request is stored.
        ticket_failed: Ephemeral answer to ``/ticket`` when it could not be stored.
        sync_commands: Register ``/ticket`` with Discord once connected
            (``FRONTDESK_DISCORD_SYNC_COMMANDS``). Needed once per deployment, or after the
            command changes; Discord rate-limits command registration, so leave it off
            otherwise.
    """

    name = ChannelKind.DISCORD

    def __init__(
        self,
        token: str,
        *,
        support_channel_id: int | None = None,
        backoff_initial: float = 1.0,
        backoff_max: float = 60.0,
        max_ratelimit_timeout: float = 30.0,
        guild_ready_timeout: float = 2.0,
        start_timeout: float = 30.0,
        ticket_ack: str = TICKET_ACK,
        ticket_failed: str = TICKET_FAILED,
        sync_commands: bool = False,
        api_url: str | None = None,
        gateway_url: str | None = None,
    ) -> None:
        self._token, self._urls = token, (api_url.rstrip("/") if api_url else None, gateway_url)
        self._saved_urls: SavedUrls | None = None
        self._support_channel_id = support_channel_id
        self._backoff_initial = backoff_initial
        self._backoff_max = backoff_max
        self._delay = backoff_initial
        self._max_ratelimit_timeout = max_ratelimit_timeout
        self._guild_ready_timeout = guild_ready_timeout
        self._start_timeout = start_timeout
        self._ticket_ack = ticket_ack
        self._ticket_failed = ticket_failed
        self._sync_commands = sync_commands
        self._client: discord.Client | None = None
        self._sink: InboundSink | None = None
        self._task: asyncio.Task[None] | None = None
        self._first_attempt = asyncio.Event()
        self._threads: set[int] = set()  # support threads opened since start (cache fallback)
        self._healthy = False

    @property
    def healthy(self) -> bool:
        """Whether the gateway connection is up (false while reconnecting)."""
        return self._healthy

    async def start(self, sink: InboundSink) -> None:
        """Log in, connect to the gateway and start receiving.

        Returns once ready, or after the first failed attempt (retried in the background), or
        after ``start_timeout``. Raises ``RuntimeError`` if already started.
        """
        if self._task is not None:
            raise RuntimeError("DiscordChannel already started")
        self._saved_urls = point_discord_at(*self._urls)
        self._sink = sink
        self._first_attempt = asyncio.Event()
        self._task = asyncio.create_task(self._run(), name="discord-channel")
        waiter = asyncio.create_task(self._first_attempt.wait())
        await asyncio.wait(
            {waiter, self._task}, timeout=self._start_timeout, return_when=asyncio.FIRST_COMPLETED
        )
        waiter.cancel()

    async def stop(self) -> None:
        """Close the gateway and HTTP session; safe after a failed or partial start."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        client, self._client = self._client, None
        if client is not None:
            await client.close()
        self._healthy = False
        self._sink = None
        if self._saved_urls is not None:  # as before start: the next client starts clean
            point_discord_at(*self._saved_urls)
            self._saved_urls = None

    async def send(self, message: OutboundMessage) -> None:
        """Send escaped text (no markdown, no pings) split at 2,000 characters; buttons last."""
        client = self._client
        if client is None or client.is_closed() or client.user is None:
            raise ChannelTemporaryError("Discord channel is not connected")
        try:
            channel_id = int(message.address)
        except ValueError:
            raise ChannelPermanentError(f"not a Discord channel id: {message.address!r}") from None
        view = _view(message.buttons)
        parts = render(signed(message.text, message.extra)) if message.text.strip() else []
        if not parts and view is None and not message.files:
            raise ChannelPermanentError("Discord cannot send an empty message")
        target = client.get_partial_messageable(channel_id)
        for index, part in enumerate(parts or [""]):
            last = index == max(len(parts), 1) - 1
            try:
                await target.send(
                    content=part or None,
                    view=view if last and view is not None else discord.utils.MISSING,
                    files=as_discord_files(message.files) if last else discord.utils.MISSING,
                    allowed_mentions=discord.AllowedMentions.none(),
                )
            except discord.RateLimited as exc:
                raise ChannelRateLimited(exc.retry_after) from exc
            except discord.HTTPException as exc:
                raise _send_error(exc) from exc
            except (aiohttp.ClientError, OSError, TimeoutError) as exc:
                raise ChannelTemporaryError(f"Discord unreachable: {exc!r}") from exc

    # --- connection ----------------------------------------------------------------------------

    async def _run(self) -> None:
        """Log in and hold the gateway; on failure start over with a fresh client."""
        while True:
            client = self._build_client()
            self._client = client
            try:
                await client.login(self._token)
                await client.connect(reconnect=True)
            except discord.LoginFailure:
                logger.error("Discord rejected the bot token (FRONTDESK_DISCORD_TOKEN)")
            except discord.PrivilegedIntentsRequired:
                logger.error("Enable the Message Content intent in the Discord developer portal")
            except Exception as exc:
                logger.warning("Discord unreachable (%r); retrying in %.1fs", exc, self._delay)
            finally:
                self._healthy = False
                await client.close()
            self._first_attempt.set()
            await asyncio.sleep(self._delay)
            self._delay = min(self._delay * 2, self._backoff_max)

    def _build_client(self) -> discord.Client:
        intents = discord.Intents.none()
        intents.guilds = True  # channel and thread cache
        intents.guild_messages = True
        intents.dm_messages = True
        intents.message_content = True  # privileged: enable it in the developer portal
        client = discord.Client(
            intents=intents,
            allowed_mentions=discord.AllowedMentions.none(),
            max_ratelimit_timeout=self._max_ratelimit_timeout,
            guild_ready_timeout=self._guild_ready_timeout,
        )
        tree = app_commands.CommandTree(client)
        tree.add_command(self._ticket_command())

        async def on_ready() -> None:
            self._healthy = True
            self._delay = self._backoff_initial
            if self._sync_commands:
                await self._register_commands(tree)
            self._first_attempt.set()

        async def on_resumed() -> None:
            self._healthy = True

        async def on_disconnect() -> None:
            self._healthy = False

        async def on_message(message: discord.Message) -> None:
            await self._on_message(client, message)

        async def on_interaction(interaction: discord.Interaction[Any]) -> None:
            await self._on_button(interaction)

        for handler in (on_ready, on_resumed, on_disconnect, on_message, on_interaction):
            client.event(handler)
        return client

    async def _register_commands(self, tree: app_commands.CommandTree[discord.Client]) -> None:
        try:
            await tree.sync()
        except discord.HTTPException as exc:
            logger.warning("Discord slash commands not registered: %s", exc)
            return
        self._sync_commands = False  # once per process is enough

    # --- inbound -------------------------------------------------------------------------------

    async def _on_message(self, client: discord.Client, message: discord.Message) -> None:
        if message.author.bot or message.type not in _CUSTOMER_MESSAGE_TYPES:
            return
        if not message.content.strip() and not message.attachments:
            return  # content withheld (Message Content intent off)
        try:
            if (address := await self._message_address(message)) is None:
                return
            assert self._sink is not None
            await self._sink(
                await with_files(event_from_message(message, address=address), message)
            )
        except Exception:
            logger.exception("Discord message %s could not be stored", message.id)

    async def _message_address(self, message: discord.Message) -> str | None:
        """Where to answer: the DM, the customer's support thread, or nowhere (ignored)."""
        if message.guild is None:
            return str(message.channel.id)
        support = self._support_channel_id
        channel = message.channel
        if support is None:
            return None
        if isinstance(channel, discord.Thread) and (
            channel.parent_id == support or channel.id in self._threads
        ):
            return str(channel.id)
        if channel.id != support:
            return None
        thread = await message.create_thread(name=_thread_name(message.author))
        self._threads.add(thread.id)
        return str(thread.id)

    async def _on_button(self, interaction: discord.Interaction[Any]) -> None:
        event = event_from_button(interaction)
        if event is None:
            return
        try:
            assert self._sink is not None
            await self._sink(event)
        except Exception:
            logger.exception("Discord button press %s could not be stored", interaction.id)
            return  # not acknowledged: the customer sees that it failed and can retry
        try:
            await interaction.response.defer()  # no visible reply; the engine answers
        except discord.HTTPException as exc:
            logger.warning("Discord interaction %s not acknowledged: %s", interaction.id, exc)

    def _ticket_command(self) -> app_commands.Command[Any, Any, None]:
        @app_commands.command(name="ticket", description="Open a support ticket")
        @app_commands.describe(description="What do you need help with?")
        @app_commands.allowed_contexts(guilds=True, dms=True, private_channels=False)
        @app_commands.allowed_installs(guilds=True, users=False)
        async def ticket(interaction: discord.Interaction, description: str) -> None:
            await self._on_ticket(interaction, description)

        return ticket

    async def _on_ticket(self, interaction: discord.Interaction[Any], description: str) -> None:
        # Acknowledge first: Discord allows 3 s, and opening a thread is two REST calls.
        await interaction.response.defer(ephemeral=True, thinking=True)
        answer = self._ticket_ack
        try:
            address = await self._ticket_address(interaction)
            assert self._sink is not None
            await self._sink(event_from_ticket(interaction, description, address=address))
        except Exception:
            logger.exception("Discord /ticket %s could not be stored", interaction.id)
            answer = self._ticket_failed
        try:
            await interaction.edit_original_response(content=answer)
        except discord.HTTPException as exc:
            logger.warning("Discord /ticket %s not answered: %s", interaction.id, exc)

    async def _ticket_address(self, interaction: discord.Interaction[Any]) -> str:
        channel = interaction.channel
        if interaction.guild_id is None or isinstance(channel, discord.Thread):
            return str(interaction.channel_id)
        parent: Any = channel
        if self._support_channel_id is not None:
            parent = interaction.client.get_channel(self._support_channel_id)
        if not isinstance(parent, discord.TextChannel):
            raise RuntimeError("no text channel to open a /ticket thread in")
        thread = await parent.create_thread(
            name=_thread_name(interaction.user),
            type=discord.ChannelType.private_thread,
            invitable=False,
        )
        await thread.add_user(interaction.user)
        self._threads.add(thread.id)
        return str(thread.id)


def _view(buttons: Sequence[Button]) -> discord.ui.View | None:
    """Buttons as a stopped view: rendered into components, never kept in discord.py's store.

    A view with ``timeout=None`` would be stored for every message until restart; presses are
    handled by ``on_interaction`` instead, whatever the message.
    """
    if not buttons:
        return None
    if len(buttons) > _MAX_BUTTONS:
        raise ChannelPermanentError(f"Discord allows {_MAX_BUTTONS} buttons, got {len(buttons)}")
    view = discord.ui.View(timeout=None)
    for button in buttons:
        if not 1 <= len(button.payload) <= 100 or not 1 <= len(button.label) <= 80:
            raise ChannelPermanentError(
                f"button {button.label!r}: label must be 1-80 and payload 1-100 characters"
            )
        view.add_item(
            discord.ui.Button(
                label=button.label,
                custom_id=button.payload,
                style=discord.ButtonStyle.secondary,
            )
        )
    view.stop()
    return view


def _send_error(exc: discord.HTTPException) -> ChannelSendError:
    if exc.status == 429:  # a 429 discord.py did not sit out (e.g. Cloudflare's)
        retry_after = exc.response.headers.get("Retry-After", "5")
        try:
            return ChannelRateLimited(float(retry_after))
        except ValueError:
            return ChannelRateLimited(5.0)
    if isinstance(exc, discord.Forbidden | discord.NotFound):
        # Missing access, the user left the server or closed DMs, the thread is gone.
        return ChannelPermanentError(f"Discord refused the message: {exc.text or exc.status}")
    if exc.status == 400:  # the payload itself is invalid: resending cannot help
        return ChannelPermanentError(f"Discord rejected the message: {exc.text}")
    return ChannelTemporaryError(f"Discord error {exc.status}: {exc.text}")


def _thread_name(user: discord.abc.User) -> str:
    return f"Support: {user.display_name}"[:100]
