"""What the bot says, as values that are put in the customer's language at the last moment.

Code writes ``_("I've opened ticket {ticket}.", ticket=public)``: a :class:`Text` holding the
English message id (what ``make messages`` extracts into the gettext catalogs) and its named
values. ``Desk.say`` renders it for the conversation's customer (``service/i18n.py``: the
catalog of their language, dates and durations formatted by Babel for their locale); ``str()``
gives the English. Values may be Texts themselves (rendered in the same language), a
:class:`Duration` or a :class:`Moment`.

``N_("...")`` marks a constant (a button label) for extraction and returns it unchanged;
``Desk.say`` translates button labels by looking them up the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any


def duration_parts(delta: timedelta) -> tuple[int, str]:
    """``(15, "minute")``, ``(1, "hour")``, ``(3, "day")``: the unit a customer reads."""
    minutes = int(delta.total_seconds() // 60)
    if minutes < 60:
        return minutes, "minute"
    hours = minutes // 60
    return (hours, "hour") if hours < 48 else (hours // 24, "day")


def humanize(delta: timedelta) -> str:
    """'15 minutes', '1 hour', '3 days': how the bot tells a customer how long to expect."""
    count, unit = duration_parts(delta)
    return f"{count} {unit}{'s' if count != 1 else ''}"


@dataclass(frozen=True, slots=True)
class Duration:
    """A length of time a customer reads ("4 hours", "4 Stunden")."""

    length: timedelta

    def english(self) -> str:
        return humanize(self.length)


@dataclass(frozen=True, slots=True)
class Moment:
    """A point in time a customer reads, as ``style``: ``weekday``, ``time`` or ``datetime``.

    ``at`` is already in the zone the customer should read (e.g. the business hours' zone).
    """

    at: datetime
    style: str = "datetime"

    def english(self) -> str:
        if self.style == "weekday":
            return self.at.strftime("%A")
        if self.style == "time":
            return self.at.strftime("%H:%M")
        return self.at.strftime("%b %-d, %H:%M")


Formatter = Callable[[Any], str]


@dataclass(frozen=True, slots=True)
class Text:
    """A catalog message id and its named values."""

    msgid: str
    values: tuple[tuple[str, Any], ...] = ()

    def render(self, gettext: Callable[[str], str], value: Formatter | None = None) -> str:
        """The message through ``gettext`` with its values filled in (``value`` formats a
        Duration or Moment; nested Texts go through the same ``gettext``)."""
        filled = {}
        for name, item in self.values:
            if isinstance(item, Text):
                filled[name] = item.render(gettext, value)
            elif isinstance(item, Duration | Moment):
                filled[name] = value(item) if value is not None else item.english()
            else:
                filled[name] = item
        template = gettext(self.msgid)
        try:
            return template.format(**filled)
        except (KeyError, IndexError, ValueError):  # a broken translation: say it in English
            return self.msgid.format(**filled)

    def __str__(self) -> str:
        return self.render(lambda msgid: msgid)

    def __add__(self, other: Text) -> Text:
        """Two texts said one after the other (each translated on its own)."""
        return Text("{first}{second}", (("first", self), ("second", other)))


def _(msgid: str, **values: Any) -> Text:
    """Mark ``msgid`` for translation; ``{name}`` placeholders take ``values``."""
    return Text(msgid, tuple(values.items()))


def N_(msgid: str) -> str:
    """Mark a constant (a button label) for extraction; translated where it is said."""
    return msgid


TICKET_TYPES = {
    "incident": N_("incident"),
    "service_request": N_("service request"),
    "problem": N_("problem"),
    "change_request": N_("change request"),
}
PRIORITIES = {
    "low": N_("low"),
    "medium": N_("medium"),
    "high": N_("high"),
    "urgent": N_("urgent"),
}

STATUSES = {
    "new": N_("new"),
    "assigned": N_("assigned"),
    "in_progress": N_("in progress"),
    "waiting_on_customer": N_("waiting for you"),
    "pending_approval": N_("waiting for approval"),
    "resolved": N_("resolved"),
    "closed": N_("closed"),
}


def word(label: str) -> Text:
    """A constant marked with :func:`N_` (a ticket type's name), to be translated as a value."""
    return Text(label)


def joined(texts: list[Text], separator: str = "\n") -> Text:
    """Several texts as one, each translated on its own (not a catalog message itself)."""
    template = separator.join(f"{{t{i}}}" for i in range(len(texts)))
    return Text(template, tuple((f"t{i}", text) for i, text in enumerate(texts)))
