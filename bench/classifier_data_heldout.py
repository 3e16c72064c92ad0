"""Top-1 per language on the shipped examples the model did not learn (the hash held-out split).

    .venv/bin/python bench/classifier_data_heldout.py [--model use|tfidf|minilm|minilm+use]

The rows are ``classifier.examples.split_held_out`` of every shipped example (about one in five,
the same rows ``classifier train`` holds out); the model (default: what ``frontdesk run``
trains) is fitted on the other rows of every language together, with the out-of-scope rows as
``unknown``, and each held-out row is counted in its own language. Nothing is tuned on these
rows. This measures the written data against itself; the customers' words set
(``make bench-classifier``) measures wording written apart from it.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter

from classifier.ensemble import kind_from_env
from classifier.examples import shipped_examples_by_language, split_held_out
from classifier.model import fit_intent_model, out_of_scope_rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None, help="model kind (default: the installed best)")
    args = parser.parse_args()
    kind = args.model or kind_from_env()
    language_of = {}
    rows = []
    for language, examples in shipped_examples_by_language().items():
        for text, intent in examples:
            language_of.setdefault(text, language)
            rows.append((text, intent))
    train, held = split_held_out(rows + out_of_scope_rows())
    held = [r for r in held if r[0] in language_of]
    started = time.perf_counter()
    model = fit_intent_model(train, kind=kind)
    seconds = time.perf_counter() - started
    predicted = model.predict([t for t, _ in held])
    right: Counter[str] = Counter()
    total: Counter[str] = Counter()
    misses = []
    for (text, intent), guess in zip(held, predicted, strict=True):
        language = language_of[text]
        total[language] += 1
        right[language] += guess == intent
        if guess != intent:
            misses.append((language, text, intent, str(guess)))
    report = {
        "model": kind,
        "train_rows": len(train),
        "fit_seconds": round(seconds, 1),
        **{f"top1_{lang}": round(right[lang] / total[lang], 3) for lang in total},
        **{f"n_{lang}": total[lang] for lang in total},
        "top1_all": round(sum(right.values()) / sum(total.values()), 3),
    }
    print(json.dumps(report))
    for miss in misses:
        print("  miss", *miss, sep=" | ")


if __name__ == "__main__":
    main()
