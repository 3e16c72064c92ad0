"""`frontdesk articles ...`: the knowledge base as Markdown files (docs/knowledge.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from .common import database_option, run_async, settings_from, with_store


@click.group()
def articles() -> None:
    """Knowledge-base articles: import and export Markdown files with front matter, list."""


def _book(store: Any) -> Any:
    from service.desk import utc_now
    from service.knowledge import ArticleBook

    return ArticleBook(store, utc_now)


@articles.command("import")
@click.argument("folder", type=click.Path(path_type=Path))
@database_option
def articles_import(folder: Path, database_url: str | None) -> None:
    """Create or update one article per FOLDER/*.md (updated when its front matter has an id)."""
    from service.knowledge import read_folder

    files = read_folder(folder)  # every file checked before anything is written

    async def work(store: Any) -> Any:
        return await _book(store).import_files(files)

    result = run_async(with_store(settings_from(database_url), work))
    click.echo(
        f"imported {len(files)} files: {len(result.created)} new, {len(result.updated)} updated"
    )


@articles.command("export")
@click.argument("folder", type=click.Path(path_type=Path))
@database_option
def articles_export(folder: Path, database_url: str | None) -> None:
    """Write every article (drafts too) to FOLDER as {id}-{slug}.md."""
    from service.knowledge import write_folder

    async def work(store: Any) -> Any:
        return await _book(store).listed()

    written = write_folder(folder, run_async(with_store(settings_from(database_url), work)))
    click.echo(f"exported {len(written)} articles to {folder}")


@articles.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@database_option
def articles_list(as_json: bool, database_url: str | None) -> None:
    """List the articles, newest change first."""

    async def work(store: Any) -> Any:
        return await _book(store).listed()

    found = run_async(with_store(settings_from(database_url), work))
    if as_json:
        click.echo(json.dumps({"articles": [a.as_json() for a in found]}, indent=2))
        return
    for a in found:
        state = "published" if a.published else "draft"
        click.echo(f"{a.id:<4} {a.language:<3} {state:<9} {a.title}")
