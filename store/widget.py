"""The widget's settings (#14): one row, ``id`` 1, written by admins from the console."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Column, Integer, String, Table, Text, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from models.widget import WidgetConfig

from .tables import UTCDateTime, metadata

widget_settings = Table(
    "widget_settings",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("colour", String(7), nullable=False),
    Column("title", String(60), nullable=False),
    Column("greeting", String(500), nullable=False),
    Column("position", String(8), nullable=False),
    Column("allowed_origins", Text, nullable=False),  # one origin per line
    Column("ask_email", Boolean, nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)


class WidgetSettingsRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def get(self) -> WidgetConfig:
        """The saved settings, or the defaults before an admin saved any."""
        row = (
            (await self.conn.execute(select(widget_settings).where(widget_settings.c.id == 1)))
            .mappings()
            .first()
        )
        if row is None:
            return WidgetConfig()
        return WidgetConfig(
            colour=row["colour"],
            title=row["title"],
            greeting=row["greeting"],
            position=row["position"],
            allowed_origins=tuple(o for o in row["allowed_origins"].split("\n") if o),
            ask_email=bool(row["ask_email"]),
        )

    async def save(self, config: WidgetConfig, now: datetime) -> None:
        values = {
            "colour": config.colour,
            "title": config.title,
            "greeting": config.greeting,
            "position": config.position,
            "allowed_origins": "\n".join(config.allowed_origins),
            "ask_email": config.ask_email,
            "updated_at": now,
        }
        done = await self.conn.execute(
            update(widget_settings).where(widget_settings.c.id == 1).values(**values)
        )
        if done.rowcount == 0:
            await self.conn.execute(insert(widget_settings).values(id=1, **values))
