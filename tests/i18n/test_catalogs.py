"""Every bot text is in the catalogs and translated into German, French and Spanish; a new
text without its translations fails here (run `make messages`, then translate the empty
entries of service/locales/*/LC_MESSAGES/messages.po)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from models.texts import Duration, Moment, _
from service.i18n import LOCALES, Translator, supported
from service.message_catalogs import template, untranslated, wrong_placeholders

ROOT = Path(__file__).resolve().parents[2]
LANGUAGES = ("de", "fr", "es")


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_of_the_code_is_translated(language: str) -> None:
    missing = untranslated(language)
    assert missing == [], (
        f"{len(missing)} bot texts have no {language} translation (make messages, then "
        f"translate them in service/locales/{language}/LC_MESSAGES/messages.po): {missing[:5]}"
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_the_placeholders(language: str) -> None:
    assert wrong_placeholders(language) == []


def test_the_template_on_disk_is_current() -> None:
    from babel.messages.pofile import read_po

    with (LOCALES / "messages.pot").open("rb") as handle:
        on_disk = {m.id for m in read_po(handle) if m.id}
    assert on_disk == {m.id for m in template() if m.id}, "run `make messages`"


SAY_CALLS = ("say",)
AGENTS_WORDS = ("internal", "sender")  # notes and an agent's own words are not bot texts


def plain_strings_said(path: Path) -> list[str]:
    """``.say(...)`` calls whose text is a string literal or an f-string (not a catalog text)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        if node.func.attr not in SAY_CALLS or any(k.arg in AGENTS_WORDS for k in node.keywords):
            continue
        for arg in node.args:
            if isinstance(arg, ast.JoinedStr) or (
                isinstance(arg, ast.Constant) and isinstance(arg.value, str)
            ):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
            if isinstance(arg, ast.BinOp) and isinstance(arg.left, ast.Constant | ast.JoinedStr):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_the_bot_says_only_catalog_texts() -> None:
    sources = [p for pkg in ("bot", "service", "handoff") for p in (ROOT / pkg).rglob("*.py")]
    plain = [hit for path in sources for hit in plain_strings_said(path)]
    assert plain == [], f"say a models.texts._() text, not a plain string: {plain}"


def test_texts_render_in_each_language_with_dates_and_durations() -> None:
    from datetime import UTC, datetime, timedelta

    promise = _("within {duration}", duration=Duration(timedelta(hours=4)))
    assert str(promise) == "within 4 hours"
    assert Translator("de-AT").text(promise) == "innerhalb von 4 Stunden"
    assert Translator("fr").text(promise) == "dans un délai de 4\xa0heures"  # French spacing
    assert Translator("es").text(promise) == "en un plazo de 4 horas"
    monday = Moment(datetime(2026, 11, 30, 13, 0, tzinfo=UTC), "weekday")
    when = _("{day} at {time} ({zone})", day=monday, time=Moment(monday.at, "time"), zone="UTC")
    assert Translator("fr").text(when) == "lundi à 13:00 (UTC)"
    assert Translator("es").text(when) == "el lunes a las 13:00 (UTC)"
    assert Translator("de").text(when) == "Montag um 13:00 (UTC)"
    assert Translator("pt").text(when) == "Monday at 13:00 (UTC)"  # no catalog: English
    assert supported("fr_CA") == "fr" and supported(None) == "en"


WIDGET = ROOT / "bot" / "static"


def test_the_widget_page_and_script_say_only_catalog_texts() -> None:
    """The widget's words live in bot/widget_texts.py (so the test above checks their
    translations): its page shows no English of its own and its script names only known texts."""
    import re
    from html.parser import HTMLParser

    from bot.widget_texts import WIDGET_TEXTS

    page = (WIDGET / "webchat.html").read_text(encoding="utf-8")
    keys = set(re.findall(r"\{\{(\w+)\}\}", page)) - {"lang", "texts"}
    assert keys <= set(WIDGET_TEXTS), sorted(keys - set(WIDGET_TEXTS))
    words: list[str] = []

    class Words(HTMLParser):
        def handle_data(self, data: str) -> None:
            words.append(data)

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            shown = ("title", "placeholder", "aria-label", "alt")
            words.extend(value or "" for name, value in attrs if name in shown)

    Words().feed(page)
    english = [w.strip() for w in words if re.search(r"[A-Za-z]{2}", re.sub(r"\{\{\w+\}\}", "", w))]
    assert english == [], f"put these in bot/widget_texts.py and the page as {{{{key}}}}: {english}"

    script = (WIDGET / "webchat.js").read_text(encoding="utf-8")
    named = set(re.findall(r"\bt\(\"(\w+)\"", script))
    assert named and named <= set(WIDGET_TEXTS), sorted(named - set(WIDGET_TEXTS))
    code = re.sub(r"(?m)(^|\s)//\s.*$", "", script)  # comments are for us, not customers
    sentences = re.findall(r"[\"'`]([A-Z(][a-z]+[ ,:]+[a-z][^\"'`]*)[\"'`]", code)
    assert sentences == [], f"say these through t() and bot/widget_texts.py: {sentences}"


@pytest.mark.parametrize(
    ("language", "words"),
    [("fr", "Besoin d'aide ?"), ("de", "Brauchen Sie Hilfe?"), ("es", "¿Necesitas ayuda?")],
)
def test_the_widget_speaks_the_browser_s_language(language: str, words: str) -> None:
    from bot.widget_texts import widget_texts

    used, texts = widget_texts(language)
    assert used == language and texts["need_help"] == words
    assert widget_texts("pt") == ("en", {k: v for k, v in widget_texts("en")[1].items()})
