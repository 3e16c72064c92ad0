"""What every `frontdesk` sub-command shares: one-line failures, the database option, the store."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import click

from bot.settings import Settings, SettingsError, load_settings
from models import DomainError

T = TypeVar("T")


class FrontdeskGroup(click.Group):
    """Turns every failure into one line on stderr and exit status 1 (2 for usage errors)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except (DomainError, SettingsError, ValueError) as exc:
            raise click.ClickException(str(exc)) from exc
        except Exception as exc:
            if os.environ.get("FRONTDESK_DEBUG"):
                raise
            message = _explain(exc)
            raise click.ClickException(message) from exc


def _explain(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if "no such table" in text or ("does not exist" in text and "relation" in text):
        return "the database has no Frontdesk tables yet: run `frontdesk db upgrade`"
    if isinstance(exc, OSError) or "connect" in text.lower():
        return f"cannot reach the database: {text}"
    return f"{type(exc).__name__}: {text}"


def database_option(f: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--database-url",
        default=None,
        help="SQLAlchemy URL (default: FRONTDESK_DATABASE_URL, else SQLite under ./var/).",
    )(f)


def settings_from(database_url: str | None, **overrides: Any) -> Settings:
    return load_settings(database_url=database_url, **overrides)


def run_async(coro: Awaitable[T]) -> T:
    return asyncio.run(coro)  # type: ignore[arg-type]


async def with_store(settings: Settings, work: Callable[[Any], Awaitable[T]]) -> T:
    """Migrate if needed, open the store, run ``work(store)``, close."""
    from store.database import Store
    from store.migrate import upgrade

    await upgrade(settings.database_url)
    async with Store(settings.database_url, read_pool_size=1) as store:
        return await work(store)
