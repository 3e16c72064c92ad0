from __future__ import annotations

import random
from pathlib import Path

import pytest

from classifier.catalog import Catalog, load_catalog
from classifier.errors import TrainingDataError
from classifier.examples import shipped_examples, split_held_out
from classifier.model import SklearnClassifier, fit_intent_model
from classifier.promotion import not_worse
from classifier.registry import ModelRegistry
from classifier.training import (
    DESK_WEIGHT,
    PromotionRefusedError,
    gather_training_rows,
    import_csv,
    promote,
    train,
)
from tests.model_template import TRAINING_TIMEOUT

pytestmark = pytest.mark.timeout(TRAINING_TIMEOUT)  # tests that train models


def test_first_training_stores_reports_and_promotes(tmp_path: Path, small: Catalog) -> None:
    reg = ModelRegistry(tmp_path)
    stages: list[tuple[str, float]] = []
    result = train([], reg, progress=lambda s, f: stages.append((s, f)), catalog=small)
    assert result.promoted and not result.reused
    assert reg.active_version() == result.record.version
    metrics = result.record.metrics
    assert metrics["accuracy"] > 0.8 and 0.0 < metrics["macro_f1"] <= 1.0
    assert {"precision", "recall"} <= set(metrics["per_class"]["password_reset"])
    cm = metrics["confusion_matrix"]
    assert sum(map(sum, cm["matrix"])) == metrics["n_held_out"]
    png = (tmp_path / "versions" / result.record.version / "confusion.png").read_bytes()
    assert png.startswith(b"\x89PNG")
    assert (tmp_path / "versions" / result.record.version / "confusion.json").is_file()
    assert stages[-1] == ("done", 1.0)
    assert [f for _, f in stages] == sorted(f for _, f in stages)

    again = train([], reg, catalog=small)
    assert again.reused and again.record.version == result.record.version
    assert len(reg.versions()) == 1


def test_extra_examples_are_learnt_and_a_worse_model_is_not_promoted(
    small_trained_registry: ModelRegistry, small: Catalog
) -> None:
    reg = small_trained_registry
    first = reg.active_version()
    correction = ("my thingamajig wont thingamajig", "app_crash")
    better = train([correction], reg, catalog=small)
    assert better.record.parent == first and better.promoted, better.reason
    assert reg.load(better.record.version, small).classify(correction[0]).intent == "app_crash"

    # Hundreds of mislabelled "corrections" make a model that must not go live by itself.
    rng = random.Random(7)
    intents = sorted(small.trainable)
    noise = [  # each counting three times (DESK_WEIGHT): the intents' rows, relabelled at random
        (f"{t} (case {i})", rng.choice(intents))
        for i, (t, label) in enumerate(shipped_examples()[::2])
        if label in small.trainable
    ]
    worse = train([correction, *noise], reg, catalog=small)
    assert not worse.promoted, worse.reason
    assert "worse than" in worse.reason
    assert reg.active_version() == better.record.version

    # ``promote`` makes the same comparison as ``train`` did, with the same figures
    with pytest.raises(PromotionRefusedError, match="force") as refused:
        promote(reg, worse.record.version, catalog=small)
    assert _figures(str(refused.value)) == _figures(worse.reason)
    assert "customers' words top-1" in _figures(worse.reason)
    promote(reg, worse.record.version, force=True, catalog=small)
    assert reg.active_version() == worse.record.version
    assert reg.rollback() == better.record.version


def _figures(reason: str) -> str:
    return reason.split("held-out rows (", 1)[1].split(")", 1)[0]


def test_train_and_a_later_promote_of_the_same_version_agree(
    small_trained_registry: ModelRegistry, small: Catalog
) -> None:
    reg = small_trained_registry
    first = reg.active_version()
    assert first is not None
    correction = ("the thingamajig page is blank for everyone", "system_downtime")
    assert correction in split_held_out([correction])[1]  # the gate refits the active version
    result = train([correction], reg, catalog=small)
    assert result.promoted, result.reason
    metrics = result.record.metrics
    assert metrics["baseline"]["version"] == first
    assert {"top1", "confident_wrong_rate", "ece"} <= set(metrics["customers_words"])
    assert metrics["baseline"]["customers_words"]["n"] == metrics["customers_words"]["n"]
    assert reg.rollback() == first
    promote(reg, result.record.version, catalog=small)  # the same comparison: accepted again
    assert reg.active_version() == result.record.version


def test_extra_examples_with_labels_outside_the_catalog_are_refused(tmp_path: Path) -> None:
    with pytest.raises(TrainingDataError, match="password_rest"):
        train([("reset it", "password_rest")], ModelRegistry(tmp_path))


@pytest.mark.parametrize(
    ("candidate", "baseline", "expected"),
    [
        ({"accuracy": 0.9, "macro_f1": 0.8}, {"accuracy": 0.9, "macro_f1": 0.8}, True),
        ({"accuracy": 0.91, "macro_f1": 0.8}, {"accuracy": 0.9, "macro_f1": 0.8}, True),
        ({"accuracy": 0.91, "macro_f1": 0.79}, {"accuracy": 0.9, "macro_f1": 0.8}, False),
        ({"accuracy": 0.89, "macro_f1": 0.9}, {"accuracy": 0.9, "macro_f1": 0.8}, False),
        # one deliberate correction moves a boundary: a hair below is still promoted
        ({"accuracy": 0.9, "macro_f1": 0.797}, {"accuracy": 0.9, "macro_f1": 0.8}, True),
        (
            {"accuracy": 0.9, "macro_f1": 0.8, "customers_words": {"top1": 0.965}},
            {
                "accuracy": 0.9,
                "macro_f1": 0.8,
                "customers_words": {"top1": 0.97, "n_in_scope": 660},
            },
            True,
        ),  # 3 of 660 messages lost
        (
            {"accuracy": 0.9, "macro_f1": 0.8, "customers_words": {"top1": 0.955}},
            {
                "accuracy": 0.9,
                "macro_f1": 0.8,
                "customers_words": {"top1": 0.97, "n_in_scope": 660},
            },
            False,
        ),  # 10 of 660 lost: a regression
    ],
)
def test_not_worse_rule(
    candidate: dict[str, float], baseline: dict[str, float], expected: bool
) -> None:
    assert not_worse(candidate, baseline) is expected


def test_import_csv_validates_and_feeds_the_next_training(tmp_path: Path, small: Catalog) -> None:
    reg = ModelRegistry(tmp_path / "models")
    good = tmp_path / "tickets.csv"
    good.write_text(
        "id,body,category\n"
        '1,"the gizmo page shows a purple error, broken",app_crash\n'
        "2,the gizmo page shows a purple error,app_crash\n"
        "3,The gizmo page shows a purple error,app_crash\n"
    )
    result = import_csv(reg, good, "body", "category")
    assert (result.rows, result.duplicates_dropped) == (2, 1)
    assert result.path.parent == reg.imports_dir

    bad = tmp_path / "bad.csv"
    bad.write_text("body,category\nsomething,not_an_intent\n")
    with pytest.raises(TrainingDataError, match="not_an_intent"):
        import_csv(reg, bad, "body", "category")
    with pytest.raises(TrainingDataError, match="no column 'label'"):
        import_csv(reg, good, "body", "label")
    assert len(list(reg.imports_dir.iterdir())) == 1

    trained = train([], reg, catalog=small)
    assert trained.record.n_training_rows == len(reg.training_rows(trained.record.version))
    rows = {(t.lower(), label) for t, label in reg.training_rows(trained.record.version)}
    assert ("the gizmo page shows a purple error", "app_crash") in rows


def _served_weight(served: SklearnClassifier) -> float | None:
    """The ensemble weight of the model a fresh server serves: what ``train`` would fit these
    rows with (``ensemble.held_out_weight``), without choosing it again by a second fit."""
    return getattr(served.intent_pipeline.steps[-1][1], "weight_", None)


def test_agents_corrections_outweigh_the_shipped_examples_they_contradict(
    tmp_path: Path, trained_classifier: SklearnClassifier
) -> None:
    # An agent rewords one shipped example of each of five intents and files it under the next
    # intent; trained once each, the model followed the shipped examples for four of them.
    shipped = shipped_examples()
    intents = sorted({label for _, label in shipped})
    firsts = [next(r for r in shipped if r[1] == intent) for intent in intents[:5]]
    corrections = [
        (f"{text.rstrip('.!?')}, thanks", intents[(intents.index(label) + 1) % len(intents)])
        for text, label in firsts
    ]
    rows = gather_training_rows(ModelRegistry(tmp_path), corrections, load_catalog())
    assert [rows.count(c) for c in corrections] == [DESK_WEIGHT] * 5
    train_rows, held_out = split_held_out(rows)
    assert all((c in train_rows) != (c in held_out) for c in corrections)  # copies stay together
    model = fit_intent_model(rows, weight=_served_weight(trained_classifier))
    assert list(model.predict([text for text, _ in corrections])) == [
        label for _, label in corrections
    ]
