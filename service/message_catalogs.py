"""The gettext catalogs, kept in step with the code (``make messages``; checked by tests/i18n).

Every ``_("...")`` and ``N_("...")`` in ``models``, ``service``, ``bot`` and ``handoff`` is a
message, and so is each intent's label in the classifier's catalog (the options of a clarifying
question). :func:`update` writes ``service/locales/messages.pot`` and merges it into each
language's ``messages.po`` (new messages arrive untranslated, vanished ones are dropped), so
``make messages`` followed by a test run names every text still to translate.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from .i18n import DEFAULT, LOCALES, SUPPORTED

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("models", "service", "bot", "handoff")
INTENT_CATALOG = ROOT / "classifier" / "data" / "catalog.json"
PLACEHOLDER = re.compile(r"\{(\w*)\}")


def template() -> Catalog:
    """Every message of the code, with where it is used."""
    catalog = Catalog(project="Frontdesk", version="1", charset="utf-8")
    for package in PACKAGES:
        found = extract_from_dir(
            ROOT / package,
            method_map=[("**.py", "python")],
            keywords={"_": None, "N_": None},
        )
        for filename, lineno, message, _comments, _context in found:
            if isinstance(message, str) and message:
                catalog.add(message, locations=[(f"{package}/{filename}", lineno)])
    intents = json.loads(INTENT_CATALOG.read_text(encoding="utf-8"))["intents"]
    for name, spec in intents.items():
        catalog.add(spec["label"], locations=[(f"classifier/data/catalog.json:{name}", 0)])
    return catalog


def po_path(language: str) -> Path:
    return LOCALES / language / "LC_MESSAGES" / "messages.po"


def read(language: str) -> Catalog:
    with po_path(language).open("rb") as handle:
        return read_po(handle, locale=language)


def update() -> dict[str, int]:
    """Write the template, merge it into every language; how many messages each still lacks."""
    pot = template()
    with (LOCALES / "messages.pot").open("wb") as handle:
        write_po(handle, pot, width=100, omit_header=False)
    missing = {}
    for language in SUPPORTED:
        if language == DEFAULT:
            continue
        path = po_path(language)
        path.parent.mkdir(parents=True, exist_ok=True)
        catalog = read(language) if path.exists() else Catalog(locale=language)
        catalog.update(pot, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        with path.open("wb") as handle:
            write_po(handle, catalog, width=100)
        missing[language] = len(untranslated(language, pot))
    return missing


def untranslated(language: str, pot: Catalog | None = None) -> list[str]:
    """Messages of the code without a (non-fuzzy) translation in ``language``."""
    pot = pot or template()
    catalog = read(language) if po_path(language).exists() else Catalog(locale=language)
    out = []
    for message in pot:
        if not message.id:
            continue
        found = catalog.get(message.id)
        if found is None or not found.string or found.fuzzy:
            out.append(str(message.id))
    return out


def wrong_placeholders(language: str) -> list[str]:
    """Translations whose ``{placeholders}`` differ from their message's."""
    out = []
    for message in read(language):
        if message.id and message.string and isinstance(message.id, str):
            wanted = sorted(PLACEHOLDER.findall(message.id))
            if sorted(PLACEHOLDER.findall(str(message.string))) != wanted:
                out.append(str(message.id))
    return out


if __name__ == "__main__":
    for lang, count in update().items():
        print(f"{lang}: {count} messages to translate")
