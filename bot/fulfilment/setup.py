"""Auto-fulfilment as the settings ask for it: the account directory (the company's HTTP one
when ``FRONTDESK_ACCOUNT_BACKEND_URL`` is set, else the built-in one) and the driver that runs
every shipped fulfiller the entitlements allow. Called by the composition root."""

from __future__ import annotations

import contextlib
import logging
from datetime import timedelta
from typing import TYPE_CHECKING

from ..settings import Settings
from .directory import AccountDirectory, BuiltinDirectory
from .driver import FulfilmentDriver, Limits
from .entitlements import load_entitlements
from .fulfillers import shipped_fulfillers
from .http_directory import HttpDirectory

if TYPE_CHECKING:
    from service.desk import Desk
    from store.database import Store

log = logging.getLogger(__name__)


async def fulfilment_driver(
    settings: Settings, store: Store, desk: Desk, stack: contextlib.AsyncExitStack
) -> FulfilmentDriver:
    """The account directory (the company's HTTP one when configured, else built in) and the
    driver that runs every fulfiller's dialogue."""
    directory: AccountDirectory
    if settings.account_backend_url:
        http_directory = HttpDirectory(
            settings.account_backend_url,
            settings.account_backend_secret,
            timeout=settings.account_backend_timeout,
        )
        await http_directory.start()
        stack.push_async_callback(http_directory.close)
        directory = http_directory
        log.info("account directory: %s", settings.account_backend_url)
    else:
        directory = BuiltinDirectory(store, desk.clock)
    return FulfilmentDriver(
        store,
        desk,
        directory,
        shipped_fulfillers(load_entitlements(settings.entitlements_file)),
        base_url=settings.base_url,
        limits=Limits(
            idle_timeout=timedelta(seconds=settings.fulfilment_idle_timeout),
            mails_per_address_per_hour=settings.mails_per_address_per_hour,
            mails_per_ip_per_hour=settings.mails_per_ip_per_hour,
        ),
    )
