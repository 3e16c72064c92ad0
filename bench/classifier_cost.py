"""CPU per text of ``SklearnClassifier.classify_many`` on the customers'-words set, in batches
of 1, 8 and 32 (the engine classifies what queued while the previous call ran), and where it
goes: the intent model (of which the sentence encoder), language detection and urgency cues;
the rest is the priority pipeline and building the predictions.

    .venv/bin/python bench/classifier_cost.py --registry DIR   # that registry's active version
    .venv/bin/python bench/classifier_cost.py                  # trains the default model first

Each batch size starts with the sentence encoder's vector cache emptied (and the machine's
vector cache on disk off), so every text is encoded once, as on a server that never saw it.
The last two rows time the three scikit-learn calls the serving path replaced (the TF-IDF
half's and the priority pipeline's ``predict_proba``, the embedding head's on vectors computed
beforehand) and ``classifier/arithmetic.py``'s same arithmetic, in the same run.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from classifier import ensemble
from classifier.arithmetic import logistic_proba, pipeline_proba
from classifier.catalog import load_catalog
from classifier.customers_words import customers_words
from classifier.language import detect_language
from classifier.machine_cache import CACHE_ENV
from classifier.model import SklearnClassifier, train_default_classifier
from classifier.registry import ModelRegistry
from classifier.urgency import read_urgency


def cpu_ms_per_text(texts: list[str], size: int, call: Callable[[list[str]], Any]) -> float:
    ensemble._VECTORS.clear()
    start = time.process_time()
    for i in range(0, len(texts), size):
        call(texts[i : i + size])
    return (time.process_time() - start) * 1000 / len(texts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--registry", default=None, help="use this registry's active version")
    args = parser.parse_args()
    os.environ[CACHE_ENV] = "off"  # no vectors from the machine's cache: each text is encoded
    if args.registry:
        registry = ModelRegistry(args.registry)
        active = registry.active_version()
        if active is None:
            raise SystemExit(f"no active model version in {args.registry}")
        model: SklearnClassifier = registry.load(active, load_catalog())
    else:
        model = train_default_classifier()
    texts = [m.text for m in customers_words()]
    model.classify_many(texts[:32])  # loads the encoder and the language identifier
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"{len(texts)} texts, load average {load}; CPU ms per text:")
    final = model.intent_pipeline.steps[-1][1]
    parts: dict[str, Callable[[list[str]], Any]] = {
        "classify_many": model.classify_many,
        "  intent model": model.intent_probabilities,
    }
    if isinstance(final, ensemble.EmbeddingEnsemble):
        parts["    sentence encoder"] = lambda b: ensemble.embed(final.encoders, b)
    parts["  language + urgency"] = lambda b: [(detect_language(t), read_urgency(t)) for t in b]
    if isinstance(final, ensemble.EmbeddingEnsemble):  # the replaced calls, both ways
        vectors = dict(zip(texts, ensemble.embed(final.encoders, texts), strict=True))
        tfidf, head, priority = final.tfidf_, final.head_, model.priority_pipeline

        def scikit_learn(b: list[str]) -> Any:
            v = np.stack([vectors[t] for t in b])
            return tfidf.predict_proba(b), head.predict_proba(v), priority.predict_proba(b)

        def direct(b: list[str]) -> Any:
            v = np.stack([vectors[t] for t in b])
            return pipeline_proba(tfidf, b), logistic_proba(head, v), pipeline_proba(priority, b)

        parts["sklearn predict_proba x3"] = scikit_learn
        parts["the same, arithmetic.py"] = direct
    print(f"{'':22s}" + "".join(f"{f'batch {n}':>10s}" for n in (1, 8, 32)))
    for name, call in parts.items():
        row = [cpu_ms_per_text(texts, n, call) for n in (1, 8, 32)]
        print(f"{name:22s}" + "".join(f"{v:10.3f}" for v in row))


if __name__ == "__main__":
    main()
