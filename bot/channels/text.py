"""Splitting outbound text for platforms that cap the length of one message.

Shared by the Telegram and Discord adapters (4,096 UTF-16 code units and 2,000 characters). A
split never loses or reorders characters: only the whitespace at a split point is dropped, and a
word is cut only when it alone is longer than the limit.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, which is how Telegram counts a message's length."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def split_text(text: str, limit: int, *, measure: Callable[[str], int] = len) -> list[str]:
    """Split ``text`` into parts of at most ``limit`` (as counted by ``measure``).

    Parts are cut at the last whitespace that fits, preferring a line break in the second half
    of the window so paragraphs stay whole. A text that fits is returned unchanged as one part;
    otherwise no part starts or ends with the whitespace of a split point, and whitespace-only
    parts are never produced.

    Args:
        text: The text to split.
        limit: The largest size of one part; at least 1.
        measure: Size of a string; monotonic in its prefixes (``len``, :func:`utf16_len`).
    """
    if limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit}")
    if measure(text) <= limit:
        return [text]
    parts: list[str] = []
    rest = text.lstrip()
    while rest and measure(rest) > limit:
        fit = _longest_fitting_prefix(rest, limit, measure)
        # A whitespace at index ``fit`` still counts: the prefix before it fits.
        window = rest[: fit + 1]
        cut = _split_point(window)
        if cut > 0:
            parts.append(rest[:cut].rstrip())
            rest = rest[cut:].lstrip()
        else:  # the first word alone is longer than the limit: cut it
            parts.append(rest[:fit])
            rest = rest[fit:].lstrip()
    if rest:
        parts.append(rest)
    return parts


def _longest_fitting_prefix(text: str, limit: int, measure: Callable[[str], int]) -> int:
    """Largest ``n >= 1`` with ``measure(text[:n]) <= limit`` (1 even if one char is too big)."""
    if measure is len:
        return max(1, min(len(text), limit))
    low, high = 1, min(len(text), limit)  # no measure we use counts a char as less than 1
    while low < high:
        mid = (low + high + 1) // 2
        if measure(text[:mid]) <= limit:
            low = mid
        else:
            high = mid - 1
    return low


def _split_point(window: str) -> int:
    """Index of the whitespace to split ``window`` at, or 0 if there is none after a word."""
    newline = window.rfind("\n")
    if newline >= len(window) // 2 and window[:newline].strip():
        return newline
    for index in range(len(window) - 1, 0, -1):
        if window[index].isspace() and window[:index].strip():
            return index
    return 0


def signed(text: str, extra: Mapping[str, str]) -> str:
    """An agent's words headed by their display name ("Ann: ..."), as a chat platform shows a
    bot's message: the customer knows a person answers, and which one. Other texts as they are.
    """
    name = " ".join(extra.get("agent", "").split())
    if extra.get("sender") != "agent" or not name or not text.strip():
        return text
    return f"{name}: {text}"
