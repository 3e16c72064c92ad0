"""The classifier may import models and its ML stack, never the store, engine, console or web."""

from __future__ import annotations

import ast
from pathlib import Path

import classifier

FORBIDDEN = {"store", "bot", "handoff", "aiohttp", "sqlalchemy"}


def _imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


def test_classifier_imports_nothing_it_must_not() -> None:
    sources = sorted(Path(classifier.__file__).parent.rglob("*.py"))
    assert len(sources) > 5
    offenders = {p.name: _imported_roots(p) & FORBIDDEN for p in sources}
    assert not {name: bad for name, bad in offenders.items() if bad}
