"""Dependencies point inwards: checked by reading every module's run-time imports."""

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


def test_the_engine_imports_no_web_framework_database_or_sdk() -> None:
    for name in ("engine.py", "dialogue.py"):
        used = runtime_imports(ROOT / "bot" / name)
        assert used & (WEB_AND_DB | PLATFORM_SDKS | {"sklearn", "store"}) == set(), name


@pytest.mark.parametrize("path", modules("classifier"), ids=lambda p: p.name)
def test_the_classifier_knows_nothing_of_the_bot_store_or_web(path: Path) -> None:
    used = runtime_imports(path)
    assert used & ({"bot", "store", "handoff"} | WEB_AND_DB) == set()
