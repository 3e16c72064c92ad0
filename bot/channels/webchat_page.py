"""The web-chat page, in the browser's language: ``bot/static/webchat.html`` with its ``{{key}}``
texts filled in (escaped) and all of them on ``data-texts`` for ``webchat.js``. The words come
from ``texts``, which the composition root hands ``webchat.add_routes``
(``bot/widget_texts.py``, the catalogs)."""

from __future__ import annotations

import functools
import html
import json
import re
from collections.abc import Callable, Mapping
from pathlib import Path

from aiohttp import web

STATIC = Path(__file__).resolve().parent.parent / "static"
LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2}(-[A-Za-z0-9]{1,8}){0,3}$")
WidgetTexts = Callable[[str], tuple[str, Mapping[str, str]]]
"""A language -> (the language used, the widget's texts in it); ``bot/widget_texts.py``."""
TEXTS: web.AppKey[WidgetTexts] = web.AppKey("webchat_texts")
_PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")


def page_language(request: web.Request) -> str:
    """``?lang=`` if it is a language, else the first one of ``Accept-Language`` (else en)."""
    for tag in (
        request.query.get("lang", ""),
        *request.headers.get("Accept-Language", "").split(","),
    ):
        code = tag.split(";")[0].strip()
        if LANGUAGE_TAG.match(code):
            return code[:2].lower()
    return "en"


@functools.cache
def _page_source() -> str:
    return (STATIC / "webchat.html").read_text(encoding="utf-8")


async def widget_page(request: web.Request) -> web.Response:
    """The chat page in the browser's language: its ``{{key}}`` texts filled in, escaped, and
    all of them on ``data-texts`` for the script."""
    language, texts = request.app[TEXTS](page_language(request))
    values = {**texts, "lang": language, "texts": json.dumps(texts, ensure_ascii=False)}
    page = _PLACEHOLDER.sub(
        lambda m: html.escape(values.get(m.group(1), m.group(0))), _page_source()
    )
    return web.Response(text=page, content_type="text/html", headers={"Vary": "Accept-Language"})
