from __future__ import annotations

import logging
import threading
from pathlib import Path

import pytest

from classifier import language
from classifier.catalog import load_catalog
from classifier.clarify import clarify
from classifier.holder import ClassifierHolder
from classifier.model import SklearnClassifier
from classifier.registry import ModelRegistry
from models import Prediction, Priority, TicketType
from tests.model_template import TRAINING_TIMEOUT

pytestmark = pytest.mark.timeout(TRAINING_TIMEOUT)  # tests that train models


def test_holder_starts_from_a_trained_version_and_swaps_without_failing_requests(
    tmp_path: Path,
) -> None:
    reg = ModelRegistry(tmp_path)
    holder = ClassifierHolder.open(reg, load_catalog())
    first = reg.active_version()
    assert first is not None and holder.current.version == first
    assert holder.reload_if_changed() is False

    # A second version stored by "another process"; the holder notices only on reload.
    second = reg.store(
        holder.current,
        fingerprint="x",
        training_rows=reg.training_rows(first),
        metrics={},
        parent=first,
    ).version
    errors: list[BaseException] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                assert holder.classify("I forgot my password").intent == "password_reset"
            except BaseException as exc:
                errors.append(exc)

    server = threading.Thread(target=serve)
    server.start()
    try:
        reg.activate(second)
        assert holder.reload_if_changed() is True
        assert holder.current.version == second
        reg.rollback()
        assert holder.reload_if_changed() is True
        assert holder.current.version == first
    finally:
        stop.set()
        server.join()
    assert not errors
    assert holder.classify_many(["hi"])[0].intent == "greeting"


def test_opening_the_holder_loads_the_language_detector_so_no_message_waits_for_it(
    trained_registry: ModelRegistry, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The server opens the holder in a worker thread; the detector's model file takes seconds
    # to read, which the first message would otherwise spend blocking the event loop.
    monkeypatch.setattr(language, "_identifier", None)
    ClassifierHolder.open(trained_registry, load_catalog())
    assert language.loaded()


def test_holder_keeps_serving_when_the_new_version_is_tampered(
    trained_registry: ModelRegistry, caplog: pytest.LogCaptureFixture
) -> None:
    reg = trained_registry
    holder = ClassifierHolder.open(reg, load_catalog())
    first = holder.current.version
    second = reg.store(
        holder.current, fingerprint="y", training_rows=[], metrics={}, parent=first
    ).version
    reg.activate(second)
    (reg.versions_dir / second / "model.skops").write_bytes(b"evil")
    with caplog.at_level(logging.ERROR):
        assert holder.reload_if_changed() is False
    assert holder.current.version == first
    assert "refused" in caplog.text


def _prediction(intent: str, confidence: float, *alternatives: tuple[str, float]) -> Prediction:
    return Prediction(
        intent, TicketType.INCIDENT, Priority.MEDIUM, confidence, alternatives=alternatives
    )


def test_clarify_offers_catalog_labels_when_unsure() -> None:
    catalog = load_catalog()
    unsure = _prediction(
        "login_failure", 0.45, ("password_reset", 0.40), ("greeting", 0.1), ("app_crash", 0.03)
    )
    c = clarify(unsure, catalog, ask_threshold=0.6)
    assert c.ask
    assert [(o.intent, o.label) for o in c.options] == [
        ("login_failure", catalog["login_failure"].label),
        ("password_reset", "Reset my password"),
    ]


def test_clarify_tops_up_to_two_options_and_stops_at_three() -> None:
    catalog = load_catalog()
    p = _prediction(
        "unknown", 0.9, ("billing_question", 0.05), ("app_crash", 0.02), ("payment_error", 0.01)
    )
    assert [o.intent for o in clarify(p, catalog, 0.6).options] == [
        "billing_question",
        "app_crash",
    ]
    many = _prediction(
        "app_crash", 0.3, ("login_failure", 0.3), ("payment_error", 0.2), ("password_reset", 0.2)
    )
    assert len(clarify(many, catalog, 0.6).options) == 3


def test_clarify_does_not_ask_when_confident(trained_classifier: SklearnClassifier) -> None:
    p = trained_classifier.classify("I forgot my password")
    c = clarify(p, trained_classifier.catalog, trained_classifier.thresholds.ask)
    assert (c.ask, c.options) == (False, ())
