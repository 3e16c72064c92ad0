"""The whole picture, read from the source: which package may import which (type-checking
imports included), channels reach the engine only through its port, no import circle, no module
too big to hold one job. Each failure is one line naming the file."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PLATFORM_SDKS = {"telegram", "discord"}
WEB_AND_DB = {
    "aiohttp",
    "sqlalchemy",
    "alembic",
    "aiosqlite",
    "asyncpg",
    "jinja2",
    "aiohttp_jinja2",
}


def runtime_imports(path: Path) -> set[str]:
    """Top-level names imported at run time (``if TYPE_CHECKING:`` blocks don't count)."""
    tree = ast.parse(path.read_text())
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                continue
            if isinstance(child, ast.Import):
                found.update(alias.name.split(".")[0] for alias in child.names)
            elif isinstance(child, ast.ImportFrom) and child.level == 0 and child.module:
                found.add(child.module.split(".")[0])
            visit(child)

    visit(tree)
    return found


def modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("path", modules("models"), ids=lambda p: p.name)
def test_the_domain_imports_only_the_standard_library(path: Path) -> None:
    import sys

    third_party = {m for m in runtime_imports(path) if m not in sys.stdlib_module_names}
    assert third_party == set(), f"{path.relative_to(ROOT)} imports {third_party}"


@pytest.mark.parametrize("path", modules("store"), ids=lambda p: p.name)
def test_the_store_depends_on_the_domain_only(path: Path) -> None:
    ours = runtime_imports(path) & {"bot", "handoff", "classifier"}
    assert ours == set(), f"{path.relative_to(ROOT)} imports {ours}"


@pytest.mark.parametrize(
    "path",
    [p for pkg in ("bot", "handoff", "classifier") for p in modules(pkg)],
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_platform_sdks_stay_inside_their_adapter_modules(path: Path) -> None:
    used = runtime_imports(path) & PLATFORM_SDKS
    for sdk in used:
        assert path.parent.name == "channels" and path.name.startswith(sdk), (
            f"{path.relative_to(ROOT)} imports the {sdk} SDK outside its adapter"
        )


ENGINE = [
    ROOT / "bot" / "engine.py",
    ROOT / "bot" / "new_issue.py",
    ROOT / "bot" / "dialogue.py",
    ROOT / "bot" / "ports.py",
    ROOT / "bot" / "batching.py",
    *modules("bot/dialogues"),
]


@pytest.mark.parametrize("path", ENGINE, ids=lambda p: str(p.relative_to(ROOT)))
def test_the_engine_imports_no_web_framework_database_or_sdk(path: Path) -> None:
    used = runtime_imports(path)
    banned = used & (WEB_AND_DB | PLATFORM_SDKS | {"sklearn", "store"})
    assert banned == set(), f"{path.relative_to(ROOT)} imports {banned}"


@pytest.mark.parametrize("path", modules("classifier"), ids=lambda p: p.name)
def test_the_classifier_knows_nothing_of_the_bot_store_or_web(path: Path) -> None:
    used = runtime_imports(path)
    assert used & ({"bot", "store", "handoff"} | WEB_AND_DB) == set()


# -- the layers, type-checking imports included ----------------------------------------------

PACKAGES = ("models", "store", "classifier", "service", "handoff", "bot")
MAY_IMPORT = {
    "models": set(),
    "store": {"models"},
    "classifier": {"models"},
    "service": {"models", "store"},
    "handoff": {"models", "store", "service", "classifier"},
    "bot": {"models", "store", "service", "classifier"},
}
"""Of our packages, what each may import besides itself. ``bot`` and ``handoff`` meet only in
``service``; the composition root and the command line below wire everything."""
WIRE_EVERYTHING = ("bot/app.py", "bot/cli/")
MAX_LINES = 400
STILL_TO_SPLIT: dict[str, int] = {}
"""Modules over ``MAX_LINES`` that are still to be split by job; they may only shrink. Empty:
every module holds one job; a new one that outgrows the limit is split, not listed here."""


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def source_modules() -> dict[str, Path]:
    return {
        module_name(p): p
        for package in PACKAGES
        for p in modules(package)
        if "migrations" not in p.parts
    }


def all_imports(path: Path, known: dict[str, Path]) -> set[str]:
    """Our modules ``path`` imports, relative and type-checking imports included."""
    tree = ast.parse(path.read_text())
    name = module_name(path)
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    named: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            named.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            named.add(module)
            named.update(f"{module}.{alias.name}" for alias in node.names)
    found: set[str] = set()
    for module in named:
        while module and module not in known:
            module = module.rpartition(".")[0]
        if module and module != name:
            found.add(module)
    return found


SOURCES = source_modules()
GRAPH = {name: all_imports(path, SOURCES) for name, path in SOURCES.items()}


def rel(path: Path) -> str:
    return str(path.relative_to(ROOT))


@pytest.mark.parametrize("name", sorted(GRAPH), ids=str)
def test_each_package_imports_only_the_layers_below_it(name: str) -> None:
    path = SOURCES[name]
    if rel(path).startswith(WIRE_EVERYTHING):
        return
    package = name.split(".")[0]
    outside = {m for m in GRAPH[name] if m.split(".")[0] not in MAY_IMPORT[package] | {package}}
    assert outside == set(), f"{rel(path)} ({package}) imports {sorted(outside)}"


@pytest.mark.parametrize("name", sorted(GRAPH), ids=str)
def test_only_the_composition_root_knows_the_channel_adapters(name: str) -> None:
    path = SOURCES[name]
    if name.startswith("bot.channels") or rel(path) == "bot/app.py":
        return
    adapters = {m for m in GRAPH[name] if m.startswith("bot.channels")}
    assert adapters == set(), f"{rel(path)} imports the adapters {sorted(adapters)}"


@pytest.mark.parametrize("path", modules("bot/channels"), ids=rel)
def test_channels_reach_the_engine_only_through_its_port(path: Path) -> None:
    ours = GRAPH[module_name(path)]
    other = {m for m in ours if m != "bot.ports" and not m.startswith(("models", "bot.channels"))}
    assert other == set(), f"{rel(path)} imports {sorted(other)}: only models and bot.ports"


def test_no_import_circles() -> None:
    """Tarjan's strongly connected components over every import, type-checking ones included."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    circles: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in GRAPH[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = [stack.pop()]
            while component[-1] != v:
                component.append(stack.pop())
            if len(component) > 1:
                circles.append(sorted(component))

    for name in sorted(GRAPH):
        if name not in index:
            visit(name)
    assert circles == [], "import circle: " + "; ".join(" <-> ".join(c) for c in circles)


@pytest.mark.parametrize("name", sorted(GRAPH), ids=str)
def test_no_module_is_too_big_for_one_job(name: str) -> None:
    path = SOURCES[name]
    lines = len(path.read_text().splitlines())
    limit = STILL_TO_SPLIT.get(rel(path), MAX_LINES)
    assert lines <= limit, f"{rel(path)} has {lines} lines (at most {limit}): split it by job"


@pytest.mark.parametrize("name", sorted(GRAPH), ids=str)
def test_every_import_of_ours_names_a_module_that_exists(name: str) -> None:
    """mypy (``ignore_missing_imports``) cannot catch a moved module that a lazy import names."""
    path = SOURCES[name]
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    missing: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.ImportFrom) or not (node.level or node.module):
            continue
        base = package[: len(package) - node.level + 1] if node.level else []
        module = ".".join([*base, *([node.module] if node.module else [])])
        if module.split(".")[0] not in PACKAGES:
            continue
        if module not in SOURCES and not all(
            f"{module}.{alias.name}" in SOURCES for alias in node.names
        ):
            missing.add(module)
    assert missing == set(), f"{rel(path)} imports {sorted(missing)}, which do not exist"


@pytest.mark.parametrize("name", sorted(GRAPH), ids=str)
def test_code_is_organised_by_meaning_not_by_ticket_history(name: str) -> None:
    """Section comments say what the code is for, not which issue added it."""
    import re

    path = SOURCES[name]
    markers = [
        n
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if re.search(r"#.*\bissue #?\d+", line, re.IGNORECASE)
    ]
    assert markers == [], f"{rel(path)} has issue markers on lines {markers}: name the meaning"


@pytest.mark.parametrize("name", sorted(GRAPH), ids=str)
def test_a_conversation_changes_owner_only_by_a_named_move(name: str) -> None:
    """``Conversation.move`` (``models/conversation_lifecycle.py``) is the only way its state
    changes, so an illegal move is refused instead of written; a new conversation starts with
    the bot (a constructor given another state would skip the lifecycle too)."""
    import re

    path = SOURCES[name]
    assigned = [
        n
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if re.search(r"\.state\s*=\s*ConversationState\.|\bstate=ConversationState\.", line)
    ]
    assert assigned == [], f"{rel(path)} sets a conversation's state on lines {assigned}: move it"
