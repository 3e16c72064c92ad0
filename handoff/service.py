"""The handoff's running parts, built and torn down by the composition root (bot/app.py)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from service.periodic import Owner, Periodic, periodic

from .actions import AgentActions
from .auth import AgentAuth
from .escalation import EscalationScheduler
from .routing import RoutingConfig
from .viewer_board import VIEWERS_TOPIC, ViewerBoard

if TYPE_CHECKING:
    from service.attachments import Files
    from service.bus import EventBus
    from service.desk import Desk
    from service.widget import TypingBoard, WidgetSettings
    from store.database import Store


@dataclass
class HandoffServices:
    """What the agent API and the console need."""

    store: Store
    desk: Desk
    bus: EventBus
    auth: AgentAuth
    actions: AgentActions
    scheduler: EscalationScheduler
    routing: RoutingConfig
    secure_cookies: bool = False
    files: Files | None = None  # attachments' storage (#14)
    widget: WidgetSettings | None = None  # the embeddable widget's settings (#14)
    typing: TypingBoard | None = None  # agents typing, shown in the widget (#14)
    escalation: Periodic | None = None  # the SLA scheduler's job, while it runs
    viewers: ViewerBoard = field(default_factory=ViewerBoard)  # who has which ticket open


@contextlib.asynccontextmanager
async def handoff_running(
    store: Store,
    desk: Desk,
    routing: RoutingConfig,
    *,
    secure_cookies: bool = False,
    escalation_interval: float = 30.0,
    files: Files | None = None,
    login_attempts_per_account: int = 5,
    login_attempts_per_ip: int = 30,
    widget: WidgetSettings | None = None,
    typing: TypingBoard | None = None,
    owner: Owner | None = None,
) -> AsyncIterator[HandoffServices]:
    """Start the SLA scheduler (in the one process that holds it, given an ``owner``: see
    ``service.periodic``; it is safe to overlap, the lock saves the work)."""
    scheduler = EscalationScheduler(store, desk, routing, interval=escalation_interval)
    services = HandoffServices(
        store=store,
        desk=desk,
        bus=desk.bus,
        auth=AgentAuth(
            store,
            clock=desk.clock,
            max_failures=login_attempts_per_account,
            max_per_ip=login_attempts_per_ip,
        ),
        actions=AgentActions(store, desk),
        scheduler=scheduler,
        routing=routing,
        secure_cookies=secure_cookies,
        files=files,
        widget=widget,
        typing=typing,
    )
    desk.bus.on(VIEWERS_TOPIC, services.viewers.heard)
    async with periodic(
        "escalation", scheduler.interval, scheduler.sweep, immediately=True, owner=owner
    ) as services.escalation:
        yield services
