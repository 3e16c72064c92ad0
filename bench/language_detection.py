"""Language detection on short support messages: accuracy, coverage and time per text.

    .venv/bin/python bench/language_detection.py            # the shipped detector (py3langid)
    .venv/bin/python bench/language_detection.py --compare  # + py3langid unrestricted, lingua

(``--compare`` measures lingua when ``lingua-language-detector`` is installed by hand.)

``bench/data/language_short.csv`` holds 92 messages of 2-8 words in en/de/fr/es (20 each) and
it/pt/nl (4 each), written for this check. ``accuracy`` counts every text (an unanswered one is
wrong); ``answered`` is the share the detector is sure enough to name (``MIN_CONFIDENCE``);
``accuracy_answered`` the accuracy on those. Times are per text, one at a time, after loading.
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from classifier.language import LANGUAGES, detect_language

DATA = Path(__file__).parent / "data" / "language_short.csv"


def measure(name: str, detect: Callable[[str], str | None], rows: list[dict[str, str]]) -> None:
    detect(rows[0]["text"])  # load
    timings, answers = [], []
    for row in rows:
        start = time.perf_counter()
        answers.append(detect(row["text"]))
        timings.append(time.perf_counter() - start)
    right = sum(a == r["language"] for a, r in zip(answers, rows, strict=True))
    answered = [a for a in answers if a is not None]
    timings.sort()
    print(
        json.dumps(
            {
                "detector": name,
                "texts": len(rows),
                "accuracy": round(right / len(rows), 4),
                "answered": round(len(answered) / len(rows), 4),
                "accuracy_answered": round(right / max(len(answered), 1), 4),
                "p50_ms": round(statistics.median(timings) * 1000, 3),
                "p99_ms": round(timings[int(len(timings) * 0.99) - 1] * 1000, 3),
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--compare", action="store_true", help="also measure the alternatives")
    args = parser.parse_args()
    with DATA.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    measure("py3langid (shipped: restricted, cut-off)", detect_language, rows)
    if not args.compare:
        return
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    everything = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    measure("py3langid all 97 languages", lambda t: str(everything.classify(t)[0]), rows)
    restricted = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    restricted.set_languages(list(LANGUAGES))
    measure("py3langid restricted, no cut-off", lambda t: str(restricted.classify(t)[0]), rows)
    try:
        from lingua import IsoCode639_1, LanguageDetectorBuilder
    except ImportError:
        print(json.dumps({"detector": "lingua", "skipped": "lingua-language-detector missing"}))
        return
    codes = [getattr(IsoCode639_1, "NB" if c == "no" else c.upper()) for c in LANGUAGES]
    start = time.perf_counter()
    lingua = LanguageDetectorBuilder.from_iso_codes_639_1(*codes).build()
    lingua.detect_language_of("warm up")
    print(json.dumps({"detector": "lingua restricted", "load_s": time.perf_counter() - start}))

    def by_lingua(text: str) -> str | None:
        found = lingua.detect_language_of(text)
        if found is None:
            return None
        code = found.iso_code_639_1.name.lower()
        return "no" if code == "nb" else code

    measure("lingua restricted (lazy models)", by_lingua, rows)


if __name__ == "__main__":
    main()
