"""`frontdesk classifier` as an admin uses it: reports, versions, predictions, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import main
from tests.model_template import TRAINING_TIMEOUT

pytestmark = pytest.mark.timeout(TRAINING_TIMEOUT)  # tests that train models


def frontdesk(tmp_path: Path, *args: str, stdin: str | None = None) -> tuple[int, str, str]:
    env = {
        "FRONTDESK_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/frontdesk.db",
        "FRONTDESK_DATA_DIR": str(tmp_path),
    }
    result = CliRunner().invoke(main, ["classifier", *args], input=stdin, env=env)
    return result.exit_code, result.stdout, result.stderr


def test_versions_predict_promote_and_rollback(tmp_path: Path, model_dir: Path) -> None:
    code, out, err = frontdesk(tmp_path, "versions", "--json")
    assert code == 0, err
    listed = json.loads(out)
    assert listed["active"] == "v0001"
    assert listed["versions"][0]["version"] == "v0001" and listed["versions"][0]["active"]
    assert 0 < listed["versions"][0]["accuracy"] <= 1
    assert 0 < listed["versions"][0]["customers_words"]["top1"] <= 1  # beside the held-out one

    code, out, err = frontdesk(
        tmp_path, "predict", "--json", stdin="I forgot my password\n\nour site is down!\n"
    )
    assert code == 0, err
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["text"] for r in rows] == ["I forgot my password", "our site is down!"]
    keys = {"text", "intent", "type", "priority", "confidence", "language", "urgency"}
    assert set(rows[0]) == keys
    assert (rows[0]["intent"], rows[0]["type"]) == ("password_reset", "service_request")
    assert [r["language"] for r in rows] == ["en", "en"]
    assert [(r["priority"], r["urgency"]) for r in rows[1:]] == [("urgent", ["production down"])]

    code, out, err = frontdesk(
        tmp_path, "predict", "--json", stdin="J'ai oublié mon mot de passe\nok\n"
    )
    assert code == 0, err
    assert [json.loads(line)["language"] for line in out.splitlines()] == ["fr", None]

    # training on the same data reuses v0001 and says so, with the report
    code, out, err = frontdesk(tmp_path, "train")
    assert code == 0, err
    assert "model version v0001" in out and "accuracy" in out and "macro-F1" in out
    assert "password_reset" in out and "confusion.png" in out and "confusion.json" in out
    assert "reused: same training data" in out

    for args, message in [
        (["promote", "v0042"], "no model version 'v0042'"),
        (["rollback"], "no earlier model version"),
    ]:
        code, out, err = frontdesk(tmp_path, *args)
        assert code == 1 and len(err.strip().splitlines()) == 1
        assert err.startswith("Error: ") and message in err
    code, out, _ = frontdesk(tmp_path, "promote", "v0001")
    assert code == 0 and "v0001 is now the active model" in out


def test_import_refuses_bad_files_in_one_line_and_keeps_good_ones(
    tmp_path: Path, model_dir: Path
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("message,label\nhello there,no_such_intent\n")
    code, _, err = frontdesk(
        tmp_path, "import", str(bad), "--text-column", "message", "--label-column", "label"
    )
    assert code == 1 and "no_such_intent" in err and len(err.strip().splitlines()) == 1
    code, _, err = frontdesk(
        tmp_path, "import", str(bad), "--text-column", "text", "--label-column", "label"
    )
    assert code == 1 and "text" in err and len(err.strip().splitlines()) == 1
    good = tmp_path / "good.csv"
    good.write_text("message,label\nOur invoices show the old address,billing_question\n")
    code, out, err = frontdesk(
        tmp_path, "import", str(good), "--text-column", "message", "--label-column", "label"
    )
    assert code == 0, err
    assert "imported 1 rows" in out and len(list((model_dir / "imports").glob("*.csv"))) == 1


def test_predict_without_a_model_says_what_to_do(tmp_path: Path) -> None:
    code, _, err = frontdesk(tmp_path, "predict", stdin="hello\n")
    assert code == 1 and "frontdesk classifier train" in err


def test_benchmark_prints_one_json_line(tmp_path: Path) -> None:
    words = {
        "refund": ["refund my order", "money back please", "I want a refund", "return and refund"],
        "card": ["my card is lost", "card got stolen", "lost my card today", "new card please"],
        "pin": ["change my pin", "forgot my pin", "pin is blocked", "reset the pin code"],
        "cash": ["atm kept my cash", "cash withdrawal failed", "atm gave no cash", "cash missing"],
    }
    train_csv, test_csv = tmp_path / "train.csv", tmp_path / "test.csv"
    train_csv.write_text(
        "text,category\n"
        + "".join(
            f"{t} {i},{label}\n"
            for label, ts in words.items()
            if label != "cash"
            for i in range(3)
            for t in ts
        )
    )
    test_csv.write_text(
        "text,category\n" + "".join(f"{ts[0]},{label}\n" for label, ts in words.items())
    )
    code, out, err = frontdesk(
        tmp_path,
        "benchmark",
        "--train",
        str(train_csv),
        "--test",
        str(test_csv),
        "--label-column",
        "category",
        "--unknown-label",
        "cash",
        "--model",
        "tfidf",
    )
    assert code == 0, err
    lines = out.strip().splitlines()
    assert len(lines) == 1
    result = json.loads(lines[0])
    assert {
        "accuracy",
        "macro_f1",
        "train_seconds",
        "p50_ms",
        "p99_ms",
        "throughput_per_s",
        "in_scope_accuracy",
        "unknown_recall",
        "unknown_auroc",
    } <= set(result)
    assert result["model"] == "tfidf"
    code, _, err = frontdesk(
        tmp_path, "benchmark", "--train", str(train_csv), "--test", str(test_csv)
    )
    assert code == 1 and "label" in err and len(err.strip().splitlines()) == 1
