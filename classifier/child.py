"""Training and promotion in a child process (``classifier.worker``), awaited from asyncio.

The server's event loop keeps its GIL to itself while a model is fitted, a crash or an
out-of-memory kill in training cannot take the server down, and cancelling the awaiting task
(server shutdown) kills the child instead of leaving a thread fitting in the background.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from .errors import (
    ClassifierError,
    PromotionRefusedError,
    TrainingDataError,
    VersionNotFoundError,
)

Progress = Callable[[str, float], None]
STDERR_TAIL = 2000
"""Characters of a crashed child's stderr kept in the error (the end holds the traceback)."""


_ERRORS: dict[str, type[ClassifierError]] = {
    "refused": PromotionRefusedError,
    "not_found": VersionNotFoundError,
    "data": TrainingDataError,
    "classifier": ClassifierError,
}


async def train_in_child(
    model_dir: str | Path,
    examples: Iterable[tuple[str, str]],
    progress: Progress | None = None,
) -> dict[str, Any]:
    """``training.train`` in a child process: its summary (version, reused, promoted, reason,
    accuracy, macro_f1)."""
    request = {"action": "train", "model_dir": str(model_dir), "examples": list(examples)}
    return await _run(request, progress)


async def promote_in_child(model_dir: str | Path, version: str, force: bool = False) -> str:
    """``training.promote`` in a child process: the now active version."""
    request = {"action": "promote", "model_dir": str(model_dir), "version": version}
    answer = await _run({**request, "force": force}, None)
    return str(answer["active"])


async def _run(request: dict[str, Any], progress: Progress | None) -> dict[str, Any]:
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "classifier.worker",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert child.stdin and child.stdout and child.stderr
    stderr = asyncio.create_task(child.stderr.read())
    try:
        child.stdin.write(json.dumps(request).encode())
        await child.stdin.drain()
        child.stdin.close()
        outcome: dict[str, Any] | None = None
        async for raw in child.stdout:
            line = json.loads(raw)
            if "progress" in line:
                if progress is not None:
                    progress(str(line["progress"]), float(line["fraction"]))
            else:
                outcome = line
        code = await child.wait()
    except BaseException:
        with contextlib.suppress(ProcessLookupError):
            child.kill()
        await child.wait()
        stderr.cancel()
        raise
    errors = (await stderr).decode(errors="replace")
    if outcome is None:
        raise ClassifierError(
            f"the training process exited with code {code}: {errors[-STDERR_TAIL:].strip()}"
        )
    if "error" in outcome:
        raise _ERRORS.get(outcome["error"], ClassifierError)(outcome["message"])
    return dict(outcome["result"])
