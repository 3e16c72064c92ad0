"""The composition root: the one place where concrete parts are wired together.

``running(settings)`` starts everything in order and tears it down in reverse (also when start-up
fails half way); ``create_app`` puts the HTTP side on top for ``frontdesk run``.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from aiohttp import web

from classifier.base import Classifier
from handoff import console, reports
from handoff.auto_close import AutoCloser
from handoff.problems import SpikeWatcher
from handoff.routing import Router, load_routing
from handoff.service import HandoffServices, handoff_running
from models import (
    AgentRole,
    ChannelKind,
)
from service.attachments import Files
from service.bus import EventBus
from service.desk import Desk, utc_now
from service.periodic import Job, Periodic, periodic
from service.widget import TypingBoard, WidgetSettings
from store.database import Store
from store.health import write_failure
from store.migrate import upgrade

from . import csat_links, help_centre, widget
from .backlog import Backlog
from .channels import webchat
from .channels.email import EmailChannel
from .channels.email_imap import ImapConfig
from .channels.mail import FileMailSender, SmtpConfig, SmtpMailSender
from .coordination import (
    PlatformReceivers,
    across_processes,
    runs_background,
    runs_platforms,
    serves_customers,
)
from .csat_links import CsatLinks
from .delivery import DeliveryWorker
from .engine import Engine
from .file_storage import file_storage
from .fulfilment import reset_page
from .fulfilment.driver import FulfilmentDriver
from .fulfilment.setup import fulfilment_driver
from .http_client import parse_proxies, real_client
from .http_errors import errors_as_json
from .http_input import clean_request_text
from .http_security import checked_ancestors, guard_metrics, security_headers
from .inbound_files import sink_with_files
from .intent_model import clarifier_for, registry_classifier
from .knowledge_search import self_service
from .mail_threads import StoreMailboxCursor, StoreMailThreads
from .openapi import build_openapi
from .ports import Channel, InboundSink
from .prometheus import METRICS, FrontdeskMetrics, count_requests, exposition_handler
from .settings import Settings, SettingsError, discord_channel_id
from .webchat_sessions import WebChatSessions
from .widget_texts import widget_texts

log = logging.getLogger(__name__)


@dataclass
class Frontdesk:
    """Everything a running front desk is made of."""

    settings: Settings
    store: Store
    bus: EventBus
    desk: Desk
    engine: Engine
    delivery: DeliveryWorker
    classifier: Classifier
    channels: dict[str, Channel] = field(default_factory=dict)
    webchat: WebChatSessions | None = None
    handoff: HandoffServices | None = None
    fulfilment: FulfilmentDriver | None = None
    metrics: FrontdeskMetrics = field(default_factory=FrontdeskMetrics)
    receivers: PlatformReceivers | None = None  # started here, or standing by
    jobs: dict[str, Periodic] = field(default_factory=dict)
    """The background jobs by name (delivery, fulfilment idle check, spike check)."""


def add_admin_pages(app: web.Application, settings: Settings) -> None:
    """The console's Models page on the registry the server follows, the Agents, Articles and
    Widget pages."""
    from classifier.catalog import load_catalog
    from classifier.registry import ModelRegistry
    from handoff import agents_admin, articles_page, model_admin, widget_admin

    admin = model_admin.ModelAdmin(ModelRegistry(settings.model_dir), load_catalog())
    model_admin.add_models_page(app, admin)
    agents_admin.add_agents_page(app)
    articles_page.add_articles_page(app)
    widget_admin.add_widget_page(app)


@contextlib.asynccontextmanager
async def running(
    settings: Settings,
    *,
    classifier: Classifier | None = None,
    extra_channels: dict[str, Channel] | None = None,
    platforms: ChatPlatforms | None = None,
    migrate: bool = True,
    metrics: FrontdeskMetrics | None = None,
) -> AsyncIterator[Frontdesk]:
    """Start the store, the engine, the delivery worker and the channels; stop them in reverse.

    ``platforms`` are the Telegram and Discord channels (``None``: built from the settings);
    ``extra_channels`` are added last and replace a channel of the same name (tests).
    """
    async with contextlib.AsyncExitStack() as stack:
        if migrate:
            await upgrade(settings.database_url)
        store = await Store(settings.database_url).open()
        stack.push_async_callback(store.close)
        bus = EventBus()
        routing = load_routing(settings.routing_file)
        desk = Desk(bus=bus, sla=settings.sla_policy, router=Router(routing))
        classifier = classifier or await registry_classifier(settings, stack)
        metrics = metrics or FrontdeskMetrics()
        fulfilment = await fulfilment_driver(settings, store, desk, stack)
        engine = Engine(
            store,
            desk,
            metrics.timed(classifier),
            drivers=(fulfilment,),
            workers=settings.engine_workers,
            clarifier=clarifier_for(classifier, desk),
            answers=self_service(store, classifier, settings.base_url, settings.support_contact),
            lease=timedelta(seconds=settings.processing_lease_s),
            backlog=Backlog(settings.max_backlog, settings.max_write_queue, store.writes_waiting),
            tickets_per_ip_per_hour=settings.tickets_per_ip_per_hour,
        )
        channels: dict[str, Channel] = {"web": webchat.WebChatChannel()}
        mail = email_channel(settings, store)  # sends every mail; a channel when mail comes in
        channels.update({"email": mail} if mail.receives else {})
        channels.update((platforms if platforms is not None else chat_platforms(settings)).channels)
        channels.update(extra_channels or {})
        senders = {"email": mail.send, **{name: ch.send for name, ch in channels.items()}}
        files = Files(await file_storage(settings, stack), desk.clock)  # attachments
        delivery = DeliveryWorker(store, senders, bus, desk.clock, files=files)
        fd = Frontdesk(
            settings, store, bus, desk, engine, delivery, classifier, channels, metrics=metrics
        )
        metrics.count_messages(lambda: (engine.processed, delivery.sent))
        metrics.watch_backlog(engine.backlog.figures)
        metrics.count_store(lambda: (store.statements, store.statements_written, *store.commits))
        fd.fulfilment = fulfilment
        typing = TypingBoard(bus)  # agents typing, shown in the widget
        fd.webchat = WebChatSessions(store, engine, bus, files, burst=settings.chat_burst,
            rate=settings.chat_rate_per_s, sessions_per_ip_per_min=settings.sessions_per_ip_per_min,
            typing=typing,
        )  # fmt: skip
        await engine.start()
        stack.push_async_callback(engine.stop)
        owner = await across_processes(settings.database_url, bus, stack)  # PostgreSQL only
        background, receiving = runs_background(settings.role), runs_platforms(settings.role)

        async def job(name: str, every: float, work: Job, single: bool = True, **kw: Any) -> None:
            """A background job; ``single``: one process at a time (bot/coordination.py)."""
            every = every if background or not single else 0  # a web process runs none
            running = periodic(name, every, work, owner=owner if single else None, **kw)
            fd.jobs[name] = await stack.enter_async_context(running)

        # messages nobody answered within their lease (bot/recovery.py): every process
        await job("sweep", settings.sweep_interval_s, engine.sweep, single=False)

        def sink_for(name: str) -> InboundSink:  # Discord's gateway never sends one again:
            return sink_with_files(engine, files, name != ChannelKind.DISCORD)  # never refused

        here = {n: ch for n, ch in channels.items() if n == "web" or _webhook(ch)}
        fd.receivers = PlatformReceivers(
            {n: ch for n, ch in channels.items() if n not in here}, sink_for, owner
        )
        stack.push_async_callback(fd.receivers.stop)
        if receiving:  # the platforms' first owner starts them before serving
            await fd.receivers.holds()
        fd.jobs["delivery"] = await stack.enter_async_context(periodic(
            "delivery", delivery.idle_wait if receiving else 0, delivery.deliver_until_idle,
            immediately=True, idle=delivery.wait_for_work, owner=fd.receivers.holds,
        ))  # fmt: skip
        stack.push_async_callback(fulfilment.stop)
        idle_every = min(30.0, settings.fulfilment_idle_timeout / 4)
        await job("fulfilment-idle-check", idle_every, fulfilment.expire_idle)
        spikes = SpikeWatcher(store, desk)  # incident spikes open problem tickets
        await job("spike-check", settings.spike_check_interval_s, spikes.check)
        closer = AutoCloser(store, desk, timedelta(days=settings.auto_close_days))
        close_every = min(300.0, settings.escalation_interval_s * 10) if closer.after else 0
        await job("auto-close", close_every, closer.close_due, immediately=True)
        for name, channel in here.items():  # what comes over this process's HTTP
            await channel.start(sink_for(name))
            stack.push_async_callback(channel.stop)
            log.info("channel %s started", name)
        fd.handoff = await stack.enter_async_context(
            handoff_running(
                store,
                desk,
                routing,
                secure_cookies=settings.secure_cookies,
                escalation_interval=settings.escalation_interval_s if background else 0,
                files=files,
                login_attempts_per_account=settings.login_attempts_per_account,
                login_attempts_per_ip=settings.login_attempts_per_ip,
                widget=WidgetSettings(store),
                typing=typing,
                owner=owner,
            )
        )
        if fd.handoff.escalation is not None:
            fd.jobs["escalation"] = fd.handoff.escalation
        metrics.watch_jobs(lambda: {n: j.running and j.owning for n, j in fd.jobs.items()})
        yield fd


def _webhook(channel: Channel) -> bool:
    """A channel whose platform POSTs to our HTTP (Telegram in webhook mode)."""
    return getattr(channel, "webhook_path", None) is not None


# -- mail ----------------------------------------------------------------------------------


def email_channel(s: Settings, store: Store) -> EmailChannel:
    """Mail out by SMTP (or into ``mail/*.eml`` without a host); mail in when configured."""
    transport: SmtpMailSender | FileMailSender = FileMailSender(s.mail_dir, s.smtp_from)
    if s.smtp_host:
        config = (s.smtp_host, s.smtp_port, s.smtp_from, s.smtp_user, s.smtp_password)
        transport = SmtpMailSender(SmtpConfig(*config, starttls=s.smtp_starttls))
    channel = EmailChannel(transport, StoreMailThreads(store), s.smtp_from)
    channel.smtp_host, channel.smtp_port = s.smtp_inbound_host, s.smtp_inbound_port
    if s.imap_host:  # poll a support mailbox; the last UID read is kept in the database
        imap = (s.imap_host, s.imap_port, s.imap_user, s.imap_password, s.imap_folder, s.imap_tls)
        channel.poll(ImapConfig(*imap, s.imap_poll_s), StoreMailboxCursor(store, utc_now))
    channel.button_links = CsatLinks.in_folder(s.data_dir, s.base_url).url  # CSAT by mail
    log.info("%s", channel.describe())  # where mail goes, and whether mail comes in
    return channel


# -- chat platforms: Telegram and Discord --------------------------------------------------

WebhookHandler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class ChatPlatforms:
    """The platform channels the settings turn on, built but not started.

    ``webhooks`` maps an HTTP path to the handler the platform POSTs updates to (Telegram in
    webhook mode); ``create_app`` mounts them before the app starts.
    """

    channels: dict[str, Channel] = field(default_factory=dict)
    webhooks: dict[str, WebhookHandler] = field(default_factory=dict)


def chat_platforms(settings: Settings) -> ChatPlatforms:
    """Telegram when ``telegram_token`` is set, Discord when ``discord_token`` is set.

    A platform that cannot be reached does not stop the front desk: each channel's ``start``
    returns after its first attempt and keeps retrying with backoff, shown on ``/healthz``.
    The SDKs are imported only when their platform is configured.
    """
    platforms = ChatPlatforms()
    if settings.telegram_token:
        from .channels.telegram import TelegramChannel

        logging.getLogger("httpx").setLevel(logging.WARNING)  # its URLs carry the token
        try:
            telegram = TelegramChannel(
                settings.telegram_token,
                base_url=settings.telegram_base_url or None,
                webhook_url=settings.telegram_webhook_url or None,
                webhook_secret=settings.telegram_webhook_secret or None,
            )
        except ValueError as exc:
            raise SettingsError(f"FRONTDESK_TELEGRAM_WEBHOOK_SECRET: {exc}") from exc
        platforms.channels[ChannelKind.TELEGRAM] = telegram
        if telegram.webhook_path is not None:
            platforms.webhooks[telegram.webhook_path] = telegram.handle_webhook
    if settings.discord_token:
        from .channels.discord import DiscordChannel

        platforms.channels[ChannelKind.DISCORD] = DiscordChannel(
            settings.discord_token,
            support_channel_id=discord_channel_id(settings.discord_support_channel_id),
            sync_commands=settings.discord_sync_commands,
            api_url=settings.discord_api_url or None,
            gateway_url=settings.discord_gateway_url or None,
            start_timeout=10.0,  # web chat starts serving after this, reachable or not
        )
    return platforms


# -- HTTP -------------------------------------------------------------------------------------

FRONTDESK = web.AppKey("frontdesk", Frontdesk)


async def healthz(request: web.Request) -> web.Response:
    fd = request.app[FRONTDESK]
    if not await fd.store.ping():
        body = {"status": "unavailable", "database": "down"}
        return web.json_response(body, status=503, headers={"Retry-After": "10"})
    failure = await write_failure(fd.store)  # read-only database, full disk (#15)
    if failure is not None:
        body = {"status": "degraded", "database": "writes failing", "error": failure}
        return web.json_response(body, status=503, headers={"Retry-After": "10"})
    standby = fd.receivers.standing_by if fd.receivers else set()  # run by another process
    channels = {
        name: "up" if ch.healthy else "standby" if name in standby else "down"
        for name, ch in fd.channels.items()
    }
    status = "ok" if all(v != "down" for v in channels.values()) else "degraded"
    return web.json_response({"status": status, "channels": channels})


async def openapi(request: web.Request) -> web.Response:
    return web.json_response(request.app[OPENAPI])


OPENAPI = web.AppKey("openapi", dict)


def create_app(
    settings: Settings,
    *,
    classifier: Classifier | None = None,
    extra_channels: dict[str, Channel] | None = None,
) -> web.Application:
    first = real_client(parse_proxies(settings.trusted_proxies))  # the client's address: #15
    hygiene = [first, count_requests, errors_as_json, clean_request_text]
    app = web.Application(middlewares=hygiene, client_max_size=256 * 1024)
    app[OPENAPI] = build_openapi()
    app[METRICS] = FrontdeskMetrics()  # per app: tests build many apps in one process
    platforms = chat_platforms(settings)  # built here: their webhook routes are mounted below

    async def lifecycle(app: web.Application) -> AsyncIterator[None]:
        async with running(
            settings,
            classifier=classifier,
            extra_channels=extra_channels,
            platforms=platforms,
            metrics=app[METRICS],
        ) as fd:
            app[FRONTDESK] = fd
            assert fd.webchat is not None
            app[webchat.BACKEND] = fd.webchat
            assert fd.handoff is not None and fd.handoff.widget is not None
            app[console.SERVICES], app[widget.SETTINGS] = fd.handoff, fd.handoff.widget
            assert fd.fulfilment is not None
            app[reset_page.RESETS] = reset_page.ResetService(fd.store, fd.fulfilment)
            yield

    app.cleanup_ctx.append(lifecycle)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/api/openapi.json", openapi)
    metrics = exposition_handler(lambda r: r.app[FRONTDESK].store)
    app.router.add_get("/metrics", guard_metrics(settings.metrics_token, metrics))
    ancestors = checked_ancestors(settings)
    app.on_response_prepare.append(security_headers(ancestors, widget.allowed_origins))
    if serves_customers(settings.role):  # a worker or scheduler: only /healthz and /metrics
        add_customer_and_agent_routes(app, settings, platforms)
    return app


def add_customer_and_agent_routes(
    app: web.Application, settings: Settings, platforms: ChatPlatforms
) -> None:
    """Web chat, the console and its API, reports, reset links, /help, the webhooks."""
    reports.add_routes(  # who may see them: app[reports.ROLE_OF], see there
        app,
        store_of=lambda r: r.app[FRONTDESK].store,
        hours=settings.sla_policy.business_hours,
    )
    webchat.add_routes(app, widget_texts)  # the widget's own words: the browser's language
    widget.add_routes(app)  # /widget.js, its settings, CORS from the allowed sites (#14)
    csat_links.add_routes(app, CsatLinks.in_folder(settings.data_dir, settings.base_url),
        lambda r: r.app[FRONTDESK].store, lambda r: r.app[FRONTDESK].engine.accept)  # fmt: skip
    console.add_routes(app)
    app[reports.ROLE_OF] = console.signed_in_role
    console.add_page(app, "Reports", "/console/reports", role=AgentRole.MANAGER)
    reset_page.add_routes(app)
    help_centre.add_routes(app, lambda r: r.app[FRONTDESK].store)  # /help (#13)
    for path, handler in platforms.webhooks.items():  # Telegram in webhook mode
        app.router.add_post(path, handler)
    add_admin_pages(app, settings)
