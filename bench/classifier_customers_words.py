"""The default model on the customers'-words set (issue 16): wording it was never trained on.

    .venv/bin/python bench/classifier_customers_words.py                # what a fresh server trains
    .venv/bin/python bench/classifier_customers_words.py --model tfidf  # pure scikit-learn
    .venv/bin/python bench/classifier_customers_words.py --registry var/models  # active version

Prints one JSON line of summary figures (``make bench-classifier`` runs it), then Markdown
tables (per language, per intent, the misread messages) for docs/benchmarks.md. Intents the
model's catalog does not know are reported as such and count as wrong in ``top1``.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from typing import Any

from classifier.catalog import load_catalog
from classifier.customers_words import evaluate_customers_words
from classifier.ensemble import ENV_VAR, MODEL_KINDS, kind_from_env
from classifier.model import SklearnClassifier, train_default_classifier
from classifier.registry import ModelRegistry

SUMMARY = (
    "top1",
    "top1_known",
    "macro_f1",
    "type_accuracy",
    "priority_accuracy",
    "confident_wrong_rate",
    "acted_without_asking",
    "ece",
    "turned_away",
    "turned_away_known",
    "unknown_recall",
    "unknown_auroc",
)


def load_model(model: str | None, registry: str | None) -> tuple[SklearnClassifier, str]:
    if registry:
        reg = ModelRegistry(registry)
        active = reg.active_version()
        if active is None:
            raise SystemExit(f"no active model version in {registry}")
        return reg.load(active, load_catalog()), f"registry {registry} {active}"
    if model:
        os.environ[ENV_VAR] = model
    kind = kind_from_env()
    return train_default_classifier(), f"default model ({kind}), trained on the shipped data"


def markdown(result: dict[str, Any]) -> str:
    lines = ["| language | messages | top-1 |", "|---|---|---|"]
    for lang, v in result["per_language"].items():
        lines.append(f"| {lang} | {v['n']} | {v['top1']:.3f} |")
    lines += ["", "| intent | messages | top-1 |", "|---|---|---|"]
    for intent, v in result["per_intent"].items():
        shown = f"{v['top1']:.3f}" if v["known"] else "not in the model's catalog"
        lines.append(f"| {intent} | {v['n']} | {shown} |")
    lines += ["", "Misread (text → expected / got, confidence):", ""]
    for text, expected, got, confidence in result["wrong"]:
        lines.append(f"- {text} → {expected} / {got} ({confidence:.2f})")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=sorted(MODEL_KINDS), default=None)
    parser.add_argument("--registry", default=None, help="evaluate this registry's active version")
    parser.add_argument("--markdown", action="store_true", help="also print the Markdown tables")
    args = parser.parse_args()
    started = time.perf_counter()
    classifier, what = load_model(args.model, args.registry)
    result = evaluate_customers_words(classifier)
    summary = {
        "set": "customers_words",
        "model": what,
        "n": result["n"],
        "n_in_scope": result["n_in_scope"],
        "catalog_intents": result["catalog_intents"],
        "unknown_to_catalog": sorted(result["unknown_to_catalog"]),
        **{k: result[k] for k in SUMMARY},
        "thresholds": result["thresholds"],
        "per_language": {k: v["top1"] for k, v in result["per_language"].items()},
        "seconds": round(time.perf_counter() - started, 1),
    }
    print(json.dumps(summary), flush=True)
    if args.markdown:
        print(markdown(result))


if __name__ == "__main__":
    main()
