"""Which language a customer's message is written in (ISO 639-1), offline.

py3langid (a numpy port of langid.py, 4.5 MB, no download at run time) restricted to the
languages a SaaS front desk realistically sees: restricting the candidates is what makes it
reliable on the short texts customers send (``bench/language_detection.py``: 0.99 on short
support messages against 0.93 over all 97 of its languages, p50 0.03 ms a text;
lingua-language-detector reaches the same accuracy at p50 0.22 ms, p99 4 ms and 96 MB). A
text too short or too unsure to tell gives ``None``: the caller keeps what it knew (the
platform's locale, an earlier message).
"""

from __future__ import annotations

import re
import threading
from typing import Any

LANGUAGES: tuple[str, ...] = (
    "en", "de", "fr", "es", "it", "pt", "nl", "pl", "sv", "da",
    "no", "fi", "tr", "ru", "uk", "cs", "ja", "zh", "ko", "ar",
)  # fmt: skip
"""The candidates, ISO 639-1."""
MIN_CONFIDENCE = 0.4
"""Below this normalised probability the detector's guess is not used."""
MIN_LETTERS = 6
"""Fewer letters than this ("ok", "my pwd", "FD-1001", "😡😡") cannot tell a language."""
_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)
_lock = threading.Lock()
_identifier: Any = None


def _get() -> Any:
    """The identifier, loaded once (~1-3 s: the model file is xz-compressed)."""
    global _identifier
    if _identifier is None:
        with _lock:
            if _identifier is None:
                from py3langid.langid import MODEL_FILE, LanguageIdentifier

                ident = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
                ident.set_languages(list(LANGUAGES))
                _identifier = ident
    return _identifier


def warm_up() -> None:
    """Load the identifier now (~1-5 s), so the first customer's message does not wait for it:
    ``ClassifierHolder.open`` calls this in the thread the server opens the classifier in."""
    _get()


def loaded() -> bool:
    """Whether the identifier is in memory already."""
    return _identifier is not None


def detect_language(text: str) -> str | None:
    """The ISO 639-1 code of ``text``'s language, or ``None`` when it cannot be told."""
    if len(_LETTER.findall(text)) < MIN_LETTERS:
        return None
    language, probability = _get().classify(text)
    if float(probability) < MIN_CONFIDENCE:
        return None
    return str(language)


def detect_with_confidence(text: str) -> tuple[str | None, float]:
    """``(language, probability)`` without the cut-off (for benchmarks and diagnostics)."""
    if len(_LETTER.findall(text)) < MIN_LETTERS:
        return None, 0.0
    language, probability = _get().classify(text)
    return str(language), float(probability)
