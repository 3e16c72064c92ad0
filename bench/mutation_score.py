"""Print the mutation score of the last `make mutation` run, per area and overall.

Score = killed / (killed + survived + timeout): the share of mutants a test noticed. Mutants no
selected test runs ("no tests") are printed apart: code the chosen tests never reach; "unrun"
counts mutants an interrupted run has not reached yet.
Run: make mutation   (or, after a run: .venv/bin/python bench/mutation_score.py)
"""

from __future__ import annotations

import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

AREAS = {
    "models": "the domain (models/)",
    "bot.delivery": "the delivery worker",
    "store.outbox": "the outbox",
    "bot.dialogues.csat": "CSAT",
    "bot.fulfilment.reset_page": "reset links (page)",
    "store.fulfilment": "reset links (store)",
    "service.attachments": "attachments (checks)",
    "store.attachments": "attachments (store)",
    "bot.inbound_files": "attachments (inbound)",
}


def main() -> None:
    mutmut = Path(sys.executable).with_name("mutmut")
    listing = subprocess.run(
        [str(mutmut), "results", "--all", "true"], capture_output=True, text=True, check=True
    ).stdout
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for line in listing.splitlines():
        name, _, status = line.strip().rpartition(": ")
        if not name:
            continue
        area = next((a for a in AREAS if name.startswith(a + ".")), "other")
        counts[area][status] += 1
    total: Counter[str] = Counter()
    header = ("killed", 8), ("survived", 10), ("timeout", 9), ("no tests", 10), ("unrun", 7)
    print(f"{'area':<28}" + "".join(f"{name:>{width}}" for name, width in header) + f"{'score':>8}")
    for area, label in [*AREAS.items(), ("other", "other")]:
        c = counts.get(area)
        if not c:
            continue
        total.update(c)
        print(_row(label, c))
    print(_row("all", total))


def _row(label: str, c: Counter[str]) -> str:
    tested = c["killed"] + c["survived"] + c["timeout"]
    score = f"{c['killed'] / tested:.1%}" if tested else "-"
    return (
        f"{label:<28}{c['killed']:>8}{c['survived']:>10}{c['timeout']:>9}"
        f"{c['no tests']:>10}{c['not checked']:>7}{score:>8}"
    )


if __name__ == "__main__":
    main()
