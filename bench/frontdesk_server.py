"""`frontdesk run` as a subprocess on a free 127.0.0.1 port, for the load benchmarks."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FRONTDESK = [sys.executable, "-m", "bot"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def serving(database_url: str, env: dict[str, str], timeout: float = 60) -> Iterator[str]:
    """Yields the base URL once ``/healthz`` answers; stops the server afterwards."""
    port = free_port()
    server = subprocess.Popen(
        [*FRONTDESK, "run", "--port", str(port), "--database-url", database_url],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1)
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit("frontdesk run did not become healthy") from None
                time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        server.wait(10)
