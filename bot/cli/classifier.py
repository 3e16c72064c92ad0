"""`frontdesk classifier`: train, compare, promote and roll back intent models.

Every command works on the model registry under the data folder (``FRONTDESK_DATA_DIR``,
``<data_dir>/models``), the same one a running ``frontdesk run`` follows: a version promoted
here is served within a few seconds, without a restart. Failures are one line (exit 1).
"""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from .common import database_option, run_async, settings_from, with_store


class ClassifierGroup(click.Group):
    """Turns the classifier's own errors (bad CSVs, unknown versions, refused promotions,
    tampered artifacts) into one line; their messages are written for people."""

    def invoke(self, ctx: click.Context) -> Any:
        from classifier.errors import ClassifierError

        try:
            return super().invoke(ctx)
        except ClassifierError as exc:
            raise click.ClickException(str(exc)) from exc


@click.group("classifier", cls=ClassifierGroup)
def classifier() -> None:
    """Intent models: train, versions, promote, rollback, predict, import, benchmark."""


def _registry(database_url: str | None = None) -> Any:
    from classifier.registry import ModelRegistry

    return ModelRegistry(settings_from(database_url).model_dir)


def render_metrics(metrics: dict[str, Any]) -> list[str]:
    """Accuracy, macro-F1 and per-class precision/recall of a version's held-out evaluation."""
    lines = [
        f"held-out rows {metrics.get('n_held_out', '?')}: accuracy {metrics['accuracy']:.3f}, "
        f"macro-F1 {metrics['macro_f1']:.3f}",
        f"  {'intent':<22} {'precision':>9} {'recall':>7} {'support':>8}",
    ]
    for label, m in (metrics.get("per_class") or {}).items():
        lines.append(f"  {label:<22} {m['precision']:>9.3f} {m['recall']:>7.3f} {m['support']:>8d}")
    words = metrics.get("customers_words")
    if words:
        lines.append(
            f"customers' words ({words['n_in_scope']} messages never trained on): "
            f"top-1 {words['top1']:.3f}, confident-wrong {words['confident_wrong_rate']:.3f}"
        )
    return lines


@classifier.command("train")
@database_option
def train_command(database_url: str | None) -> None:
    """Train on the shipped examples, imported CSVs and the desk's labels; promote if not worse.

    The desk's labels are agents' intent corrections and customers' answers to clarifying
    questions. Identical training data reuses the stored version instead of retraining.
    """
    from tqdm import tqdm

    from classifier.catalog import load_catalog
    from classifier.training import train
    from handoff.model_admin import desk_examples

    settings = settings_from(database_url)
    catalog = load_catalog()
    registry = _registry(database_url)
    examples = run_async(with_store(settings, lambda store: desk_examples(store, catalog)))
    with tqdm(total=100, file=sys.stderr, unit="%", leave=False, desc="training") as bar:

        def progress(stage: str, fraction: float) -> None:
            bar.set_description(stage)
            bar.update(max(0, round(fraction * 100) - bar.n))

        result = train(examples.rows, registry, progress=progress, catalog=catalog)
    record = result.record
    folder = registry.versions_dir / record.version
    desk = f"{len(examples.rows)} from the desk"
    if examples.outside_catalog:
        desk += f", {examples.outside_catalog} left out (intent not in the catalog)"
    lines = [
        f"model version {record.version}: {record.n_training_rows} training rows ({desk})",
        *render_metrics(record.metrics),
        f"confusion matrix: {folder / 'confusion.png'} and {folder / 'confusion.json'}",
    ]
    if result.reused:
        lines.append(f"reused: {result.reason}" + (" (active)" if result.promoted else ""))
    elif result.promoted:
        lines.append(f"promoted: {result.reason}")
    else:
        lines.append(
            f"not promoted: {result.reason}; "
            f"`frontdesk classifier promote {record.version} --force` to serve it anyway"
        )
    click.echo("\n".join(lines))


@classifier.command("promote")
@click.argument("version")
@click.option("--force", is_flag=True, help="Promote even if it scored worse than the active.")
def promote_command(version: str, force: bool) -> None:
    """Serve VERSION (refused when worse than the active version, unless --force)."""
    from classifier.training import promote

    record = promote(_registry(), version, force=force)
    click.echo(f"{record.version} is now the active model")


@classifier.command("rollback")
def rollback_command() -> None:
    """Serve the version that was active before the current one again."""
    click.echo(f"rolled back: {_registry().rollback()} is now the active model")


def version_json(record: Any, active: str | None) -> dict[str, Any]:
    metrics = record.metrics or {}
    return {
        "version": record.version,
        "active": record.version == active,
        "created_at": record.created_at,
        "parent": record.parent,
        "n_training_rows": record.n_training_rows,
        "accuracy": metrics.get("accuracy"),
        "macro_f1": metrics.get("macro_f1"),
        "n_held_out": metrics.get("n_held_out"),
        "customers_words": metrics.get("customers_words"),
        "thresholds": record.thresholds,
    }


@classifier.command("versions")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def versions_command(as_json: bool) -> None:
    """Stored model versions with their held-out figures; * marks the active one."""
    registry = _registry()
    active = registry.active_version()
    found = [version_json(r, active) for r in registry.versions()]
    if as_json:
        click.echo(json.dumps({"active": active, "versions": found}, indent=2))
        return
    if not found:
        click.echo("no model versions yet: `frontdesk classifier train` (or start the server)")
        return
    click.echo(
        f"  {'version':<8} {'created':<26} {'rows':>6} {'accuracy':>9} {'macro-F1':>9} "
        f"{'customers-words':>15}"
    )
    for v in found:
        acc = "-" if v["accuracy"] is None else f"{v['accuracy']:.3f}"
        f1 = "-" if v["macro_f1"] is None else f"{v['macro_f1']:.3f}"
        words = f"{v['customers_words']['top1']:.3f}" if v["customers_words"] else "-"
        mark = "*" if v["active"] else " "
        click.echo(
            f"{mark} {v['version']:<8} {v['created_at']:<26} {v['n_training_rows']:>6} "
            f"{acc:>9} {f1:>9} {words:>15}"
        )


@classifier.command("predict")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
def predict_command(as_json: bool) -> None:
    """Classify each line of standard input with the active model."""
    from classifier.catalog import load_catalog
    from classifier.errors import VersionNotFoundError

    registry = _registry()
    active = registry.active_version()
    if active is None:
        raise VersionNotFoundError(
            f"no active model version in {registry.root}: run `frontdesk classifier train`"
        )
    model = registry.load(active, load_catalog())
    texts = [line.strip() for line in sys.stdin if line.strip()]
    for text, p in zip(texts, model.classify_many(texts), strict=True):
        row = {
            "text": text,
            "intent": p.intent,
            "type": p.type.value,
            "priority": p.priority.value,
            "confidence": round(p.confidence, 4),
            "language": p.language,
            "urgency": list(p.urgency),
        }
        if as_json:
            click.echo(json.dumps(row))
        else:
            click.echo(
                f"{p.intent:<18} {p.type.value:<16} {p.priority.value:<7} "
                f"{p.confidence:.3f}  {p.language or '-':<2}  {text}"
            )


@classifier.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--text-column", required=True, help="Column holding the message text.")
@click.option("--label-column", required=True, help="Column holding the intent.")
def import_command(file: str, text_column: str, label_column: str) -> None:
    """Keep a labelled CSV for every later `train` (checked whole before anything is kept)."""
    from classifier.training import import_csv

    result = import_csv(_registry(), file, text_column, label_column)
    dropped = f", {result.duplicates_dropped} duplicate texts dropped" * bool(
        result.duplicates_dropped
    )
    click.echo(
        f"imported {result.rows} rows{dropped} into {result.path}; "
        "`frontdesk classifier train` uses them"
    )


@classifier.command("benchmark")
@click.option("--train", "train_csv", required=True, type=click.Path(dir_okay=False))
@click.option("--test", "test_csv", required=True, type=click.Path(dir_okay=False))
@click.option("--text-column", default="text", show_default=True)
@click.option("--label-column", default="label", show_default=True)
@click.option(
    "--unknown-label",
    default=None,
    help="TEST label of intents absent from TRAIN: right only when predicted unknown.",
)
@click.option(
    "--model",
    "model_kind",
    default=None,
    type=click.Choice(["tfidf", "use", "minilm", "minilm+use"]),
    help="Intent model (default: what `frontdesk run` trains, FRONTDESK_CLASSIFIER_MODEL).",
)
@click.option("--embeddings", is_flag=True, help="Older variant: MiniLM features in the SVM.")
def benchmark_command(
    train_csv: str,
    test_csv: str,
    text_column: str,
    label_column: str,
    unknown_label: str | None,
    model_kind: str | None,
    embeddings: bool,
) -> None:
    """Train the production pipeline on TRAIN alone, print one JSON line of TEST figures."""
    from classifier.benchmark import run_benchmark

    result = run_benchmark(
        train_csv,
        test_csv,
        text_column,
        label_column,
        unknown_label,
        embeddings=embeddings,
        model=model_kind,
    )
    click.echo(json.dumps(result))
