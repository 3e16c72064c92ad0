"""Training in a child process: its errors arrive as the classifier's own exceptions, and a
cancelled run leaves no process behind."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from classifier.child import promote_in_child, train_in_child
from classifier.errors import ClassifierError, TrainingDataError, VersionNotFoundError
from classifier.registry import ModelRegistry
from tests.model_template import TRAINING_TIMEOUT

pytestmark = pytest.mark.timeout(TRAINING_TIMEOUT)  # tests that train models


def _worker_children() -> list[int]:
    """Our child processes running ``classifier.worker``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        if parent == os.getpid() and b"classifier.worker" in cmdline:
            found.append(int(entry.name))
    return found


async def test_a_label_outside_the_catalog_is_a_training_data_error(tmp_path: Path) -> None:
    with pytest.raises(TrainingDataError, match="no_such_intent"):
        await train_in_child(tmp_path, [("the printer is on fire", "no_such_intent")])
    assert ModelRegistry(tmp_path).versions() == []


async def test_promoting_a_version_that_does_not_exist_says_so(tmp_path: Path) -> None:
    with pytest.raises(VersionNotFoundError, match="v0042"):
        await promote_in_child(tmp_path, "v0042")


async def test_a_crashed_child_is_reported_with_its_traceback(tmp_path: Path) -> None:
    not_a_directory = tmp_path / "models"
    not_a_directory.write_text("a file where the registry should be")
    with pytest.raises(ClassifierError, match=r"(?s)exited with code 1: .*NotADirectoryError"):
        await train_in_child(not_a_directory, [])


async def test_a_cancelled_training_run_kills_its_child(model_dir: Path) -> None:
    started = asyncio.Event()
    run = asyncio.create_task(
        train_in_child(model_dir, [("my gizmo fails", "app_crash")], lambda s, f: started.set())
    )
    await asyncio.wait_for(started.wait(), timeout=60)
    assert len(_worker_children()) == 1
    run.cancel()
    with pytest.raises(asyncio.CancelledError):
        await run
    assert _worker_children() == []
    assert [v.version for v in ModelRegistry(model_dir).versions()] == ["v0001"]
