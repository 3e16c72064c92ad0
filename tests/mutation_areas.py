"""Which tests judge a mutant, by the part of the code it mutates (``make mutation``, a pytest
plugin loaded with ``-p tests.mutation_areas`` from ``[tool.mutmut]`` in pyproject.toml).

mutmut 3 runs, for each mutant, every selected test that called the mutated function while it
collected its statistics. For the domain (``models/``) that is nearly the whole selection: the
Telegram and mail stories, the store's database tests and the engine all build tickets and
conversations, ~12 s of tests per mutant and two hours for the area's ~1,400 mutants. The
domain has its own pure tests (no server, no database, no model), so a ``models`` mutant is
judged by those alone, in well under a second; a domain function only the slow tests reach
counts as "no tests", which is what it is for the domain's own tests.

mutmut names the mutant under test in ``MUTANT_UNDER_TEST`` (``models.entities.xǁTicketǁ...``);
its statistics and clean runs use other values ("stats", ""), which this plugin leaves alone.
"""

from __future__ import annotations

import os

import pytest

# mutant name prefix -> the tests (path prefixes from the repository root) that judge it
AREA_TESTS: dict[str, tuple[str, ...]] = {
    # the domain's own tests, plus the engine's tables and the CSAT dialogue on the in-memory
    # store for the CSAT words and buttons (models/csat.py), which only the dialogue reads
    "models.": (
        "tests/models/",
        "tests/bot/test_engine_tables.py",
        "tests/bot/test_csat_dialogue.py",
    ),
}


def judges(mutant: str, nodeid: str) -> bool:
    """Whether the test ``nodeid`` judges ``mutant`` (every test judges mutants of other areas)."""
    for prefix, tests in AREA_TESTS.items():
        if mutant.startswith(prefix):
            return nodeid.startswith(tests)
    return True


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    mutant = os.environ.get("MUTANT_UNDER_TEST", "")
    kept = [item for item in items if judges(mutant, item.nodeid)]
    if len(kept) < len(items):
        config.hook.pytest_deselected(items=[item for item in items if item not in kept])
        items[:] = kept
