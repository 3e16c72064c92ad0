"""``python -m classifier.worker``: one training or promotion run in a process of its own.

A server that trains in a thread of its own process shares the GIL with the event loop: the
TF-IDF tokenisers are pure Python, and under load a customer's message waited more than ten
seconds for its reply while a model was fitted. The console (``classifier.child``) starts this
module instead and reads its progress.

Protocol: one JSON request on stdin, JSON lines on stdout::

    {"action": "train", "model_dir": "...", "examples": [["text", "intent"], ...]}
    {"action": "promote", "model_dir": "...", "version": "v0003", "force": false}

    {"progress": "fitting on all rows", "fraction": 0.35}     (any number of these)
    {"result": {...}}
    {"error": "refused" | "not_found" | "data" | "classifier", "message": "..."}  (or this)
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any, TextIO

from .catalog import load_catalog
from .errors import (
    ClassifierError,
    PromotionRefusedError,
    TrainingDataError,
    VersionNotFoundError,
)
from .registry import ModelRegistry


def _emit(out: TextIO, payload: dict[str, Any]) -> None:
    out.write(json.dumps(payload) + "\n")
    out.flush()


def run_request(request: dict[str, Any], out: TextIO) -> None:
    """Carry out one request, writing progress, then a result or an error line, to ``out``."""
    from .training import promote, train

    registry, catalog = ModelRegistry(request["model_dir"]), load_catalog()
    try:
        if request["action"] == "train":
            examples = [(str(t), str(label)) for t, label in request.get("examples", [])]
            result = train(
                examples,
                registry,
                lambda stage, fraction: _emit(out, {"progress": stage, "fraction": fraction}),
                catalog,
            )
            metrics = result.record.metrics
            answer: dict[str, Any] = {
                "version": result.record.version,
                "reused": result.reused,
                "promoted": result.promoted,
                "reason": result.reason,
                "accuracy": metrics.get("accuracy"),
                "macro_f1": metrics.get("macro_f1"),
            }
        elif request["action"] == "promote":
            record = promote(registry, request["version"], bool(request.get("force")), catalog)
            answer = {"active": record.version}
        else:
            raise ClassifierError(f"unknown action {request['action']!r}")
    except PromotionRefusedError as exc:
        _emit(out, {"error": "refused", "message": str(exc)})
    except VersionNotFoundError as exc:
        _emit(out, {"error": "not_found", "message": str(exc)})
    except TrainingDataError as exc:
        _emit(out, {"error": "data", "message": str(exc)})
    except ClassifierError as exc:
        _emit(out, {"error": "classifier", "message": str(exc)})
    else:
        _emit(out, {"result": answer})


def main() -> None:
    # The protocol gets the real stdout; anything a library prints goes to stderr instead.
    out = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    run_request(json.loads(sys.stdin.read()), out)


if __name__ == "__main__":
    main()
