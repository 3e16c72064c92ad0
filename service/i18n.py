"""Bot texts in the customer's language: gettext catalogs read with Babel, dates and durations
formatted by Babel for the customer's locale.

The catalogs are ``service/locales/{de,fr,es}/LC_MESSAGES/messages.po`` (English is the
message ids themselves). ``make messages`` extracts every ``_()``/``N_()`` text of the code
into ``service/locales/messages.pot`` and merges it into the catalogs; a test fails while any
message lacks a translation (``tests/i18n``). Catalogs are read once per process.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from babel.dates import format_datetime, format_skeleton
from babel.messages.pofile import read_po
from babel.units import format_unit

from models.texts import Duration, Moment, Text, duration_parts

LOCALES = Path(__file__).resolve().parent / "locales"
DEFAULT = "en"
SUPPORTED = ("en", "de", "fr", "es")
"""Languages with complete catalogs; any other is answered in English."""


def supported(language: str | None) -> str:
    """The catalog language for a customer's language tag (``fr-CA`` -> ``fr``; else en)."""
    code = (language or "").replace("_", "-").split("-")[0].strip().lower()
    return code if code in SUPPORTED else DEFAULT


@functools.cache
def messages(language: str) -> dict[str, str]:
    """msgid -> translation for ``language`` (fuzzy and empty entries left out)."""
    path = LOCALES / language / "LC_MESSAGES" / "messages.po"
    if language == DEFAULT or not path.exists():
        return {}
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    return {
        str(m.id): str(m.string)
        for m in catalog
        if m.id and isinstance(m.id, str) and m.string and not m.fuzzy
    }


class Translator:
    """Renders texts for one language."""

    def __init__(self, language: str | None) -> None:
        self.language = supported(language)
        self._messages = messages(self.language)

    def gettext(self, msgid: str) -> str:
        return self._messages.get(msgid, msgid)

    def value(self, item: Any) -> str:
        if isinstance(item, Duration):  # the unit humanize picks, in the customer's words
            count, unit = duration_parts(item.length)
            return str(format_unit(count, f"duration-{unit}", length="long", locale=self.language))
        if isinstance(item, Moment):
            if item.style == "weekday":
                return str(format_datetime(item.at, "EEEE", locale=self.language))
            if item.style == "time":
                return str(format_datetime(item.at, "HH:mm", locale=self.language))
            day = format_skeleton("MMMd", item.at, locale=self.language)
            return f"{day}, {format_datetime(item.at, 'HH:mm', locale=self.language)}"
        return str(item)

    def text(self, text: str | Text) -> str:
        """``text`` in this language (a plain string, e.g. an agent's reply, is kept as is)."""
        if isinstance(text, Text):
            return text.render(self.gettext, self.value)
        return text


def translate(text: str | Text, language: str | None) -> str:
    return Translator(language).text(text)
