"""What untrusted input must look like before it becomes a domain value.

Every edge (the web-chat API, the agent API, the Telegram webhook, console forms) reads bodies
and parameters through these functions, so a hostile value is refused with a
:class:`ValidationError` (a 400 saying why) instead of reaching a parser limit, the database or
a traceback. The limits and why each exists:

* JSON at most :data:`MAX_JSON_BYTES` long and :data:`MAX_JSON_DEPTH` deep: ``[`` × 50,000 made
  the standard parser raise ``RecursionError``, which no handler expected.
* Integer literals longer than :data:`MAX_INT_DIGITS` digits are refused before conversion
  (Python refuses 4,300+ digit conversions with a ``ValueError`` of its own); a value that goes
  to a column is range-checked where it is used (:func:`parse_row_id`, :func:`bounded_int`:
  ``2**63`` as an assignee reached PostgreSQL's ``BIGINT``). Infinity/NaN are refused.
* Text is proper Unicode without NUL: PostgreSQL refuses NUL in ``text`` and a lone surrogate
  (``"\\ud800"`` is valid JSON) cannot be encoded as UTF-8 by any driver.
* Moments are clamped to :data:`EARLIEST` .. :data:`LATEST`: ``0001-01-01`` minus a report's
  length does not exist in ``datetime``.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

from .errors import ValidationError

MAX_JSON_BYTES = 64 * 1024
MAX_JSON_DEPTH = 16
INT64_MAX = 2**63 - 1
INT64_MIN = -(2**63)
MAX_INT_DIGITS = 4000
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)
_BAD_CHARS = re.compile("[\x00\ud800-\udfff]")
_ASCII_DIGITS = re.compile(r"0*[0-9]{1,19}")
"""An id as text: leading zeros allowed (as the OpenAPI document says), at most 19 digits after."""


def clean_text(value: str, name: str = "the text") -> str:
    """``value`` unchanged if it is proper Unicode without NUL, else ValidationError."""
    found = _BAD_CHARS.search(value)
    if found is not None:
        what = "a NUL character" if found.group() == "\x00" else "a lone UTF-16 surrogate"
        raise ValidationError(f"{name} contains {what}, which cannot be stored")
    return value


def _int(literal: str) -> int:
    if len(literal.lstrip("-")) > MAX_INT_DIGITS:
        raise ValidationError("a number in the body is too large")
    return int(literal)


def _float(literal: str) -> float:
    value = float(literal)
    if value in (float("inf"), float("-inf")):
        raise ValidationError("a number in the body is too large")
    return value


def _constant(name: str) -> Any:
    raise ValidationError(f"{name} is not a number JSON allows")


def parse_json(
    raw: bytes | str, *, max_bytes: int = MAX_JSON_BYTES, max_depth: int = MAX_JSON_DEPTH
) -> Any:
    """Parse an untrusted JSON document within the limits above; ValidationError if not."""
    if len(raw) > max_bytes:
        raise ValidationError(f"the body is larger than {max_bytes:,} bytes")
    try:
        value = json.loads(raw, parse_int=_int, parse_float=_float, parse_constant=_constant)
    except RecursionError:
        raise ValidationError(f"the body is nested deeper than {max_depth} levels") from None
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ValidationError("the body is not valid JSON") from None
    _check_tree(value, max_depth)
    return value


def _check_tree(value: Any, max_depth: int) -> None:
    """Depth, and every string (keys too) clean; iterative so no input can exhaust the stack."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, str):
            clean_text(node, "a string in the body")
        elif isinstance(node, dict | list):
            if depth > max_depth:
                raise ValidationError(f"the body is nested deeper than {max_depth} levels")
            if isinstance(node, dict):
                for key, item in node.items():
                    clean_text(key, "a key in the body")
                    stack.append((item, depth + 1))
            else:
                stack.extend((item, depth + 1) for item in node)


def parse_row_id(raw: object, name: str) -> int:
    """A database id (``1 .. 2**63-1``) from an int or a string of ASCII digits."""
    if isinstance(raw, bool):
        raise ValidationError(f"{name} must be an id (a whole number)")
    if isinstance(raw, str):
        if not _ASCII_DIGITS.fullmatch(raw):
            raise ValidationError(f"{name} must be an id (a whole number)")
        raw = int(raw.lstrip("0") or "0")
    if not isinstance(raw, int) or not 1 <= raw <= INT64_MAX:
        raise ValidationError(f"{name} must be an id between 1 and {INT64_MAX}")
    return raw


def bounded_int(raw: object, name: str, low: int, high: int) -> int:
    """An integer within ``low .. high`` (a JSON number, not a bool)."""
    if isinstance(raw, bool) or not isinstance(raw, int) or not low <= raw <= high:
        raise ValidationError(f"{name} must be a whole number from {low} to {high}")
    return raw


def clamp_moment(moment: datetime) -> datetime:
    """``moment`` moved into :data:`EARLIEST` .. :data:`LATEST` (aware UTC in, aware out)."""
    return min(max(moment, EARLIEST), LATEST)
