"""The embeddable widget's look and who may embed it (#14), as an admin sets it.

``allowed_origins`` is the allow-list the server enforces: the chat frame's CSP
``frame-ancestors`` and the CORS answers of the chat API name these origins and no others.
An origin is ``scheme://host[:port]`` exactly as a browser sends it in ``Origin``.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from .errors import ValidationError

POSITIONS = ("right", "left")
COLOUR = re.compile(r"^#[0-9a-f]{6}$")
HOST = re.compile(
    r"^(\[[0-9a-f:.]+\]|[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*)$"
)
MAX_ORIGINS = 50
MAX_TITLE = 60
MAX_GREETING = 500


@dataclass(frozen=True, slots=True)
class WidgetConfig:
    colour: str = "#2457d6"
    title: str = "Support"
    greeting: str = "Hi! How can we help you today?"
    position: str = "right"  # the launcher's corner: bottom right or bottom left
    allowed_origins: tuple[str, ...] = ()  # sites that may embed the chat; () = this site only
    ask_email: bool = False  # an optional email field before the first message

    def public(self) -> dict[str, Any]:
        """What any page may read (the widget's look); the allow-list stays with admins."""
        return {
            "colour": self.colour,
            "title": self.title,
            "greeting": self.greeting,
            "position": self.position,
            "ask_email": self.ask_email,
        }

    def admin(self) -> dict[str, Any]:
        return {**self.public(), "allowed_origins": list(self.allowed_origins)}


def parse_origin(raw: str) -> str:
    """``https://www.example.com`` (or with a port), normalised as a browser sends it."""
    text = raw.strip().lower().rstrip("/")
    parts = urllib.parse.urlsplit(text)
    port_ok = True
    try:
        port = parts.port
    except ValueError:
        port_ok, port = False, None
    host = parts.hostname or ""
    if (
        parts.scheme not in ("http", "https")
        or not port_ok
        or parts.path
        or parts.query
        or parts.fragment
        or parts.username is not None
        or not HOST.match(host if ":" not in host else f"[{host}]")
    ):
        raise ValidationError(
            f"{raw.strip()[:80]!r} is not an origin: write it as https://www.example.com "
            "(scheme and host, an optional :port, no path)"
        )
    shown = f"[{host}]" if ":" in host else host
    return f"{parts.scheme}://{shown}" + (f":{port}" if port is not None else "")


def _text(body: Mapping[str, Any], name: str, limit: int, current: str) -> str:
    value = body.get(name, current)
    if not isinstance(value, str):
        raise ValidationError(f'"{name}" must be a string')
    value = value.strip()
    if len(value) > limit:
        raise ValidationError(f'"{name}" is longer than {limit} characters')
    return value


def changed_config(current: WidgetConfig, body: Mapping[str, Any]) -> WidgetConfig:
    """``current`` with the fields ``body`` names; ValidationError says what is wrong.

    ``allowed_origins`` is a list of origins or one string with an origin per line (the
    console's text box); duplicates are dropped.
    """
    unknown = set(body) - set(WidgetConfig.__slots__)
    if unknown:
        raise ValidationError(f"unknown widget settings: {', '.join(sorted(unknown))}")
    colour = _text(body, "colour", 7, current.colour).lower()
    if not COLOUR.match(colour):
        raise ValidationError('"colour" must be a colour like #2457d6')
    title = _text(body, "title", MAX_TITLE, current.title)
    if not title:
        raise ValidationError('"title" must not be empty')
    greeting = _text(body, "greeting", MAX_GREETING, current.greeting)
    position = _text(body, "position", 8, current.position)
    if position not in POSITIONS:
        raise ValidationError(f'"position" must be one of {", ".join(POSITIONS)}')
    ask_email = body.get("ask_email", current.ask_email)
    if not isinstance(ask_email, bool):
        raise ValidationError('"ask_email" must be true or false')
    raw = body.get("allowed_origins", list(current.allowed_origins))
    if isinstance(raw, str):
        raw = raw.split()
    if not isinstance(raw, list) or not all(isinstance(o, str) for o in raw):
        raise ValidationError('"allowed_origins" must be a list of origins')
    origins = tuple(dict.fromkeys(parse_origin(o) for o in raw if o.strip()))
    if len(origins) > MAX_ORIGINS:
        raise ValidationError(f"at most {MAX_ORIGINS} allowed origins")
    return replace(
        current,
        colour=colour,
        title=title,
        greeting=greeting,
        position=position,
        allowed_origins=origins,
        ask_email=ask_email,
    )
