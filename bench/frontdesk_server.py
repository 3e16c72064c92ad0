"""Servers under test as subprocesses on a free 127.0.0.1 port, for the load benchmarks:
`frontdesk run` (``serving``/``start_frontdesk``) or any command that serves HTTP
(``start_server``, e.g. ``bench/noop_server.py``)."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FRONTDESK = [sys.executable, "-m", "bot"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    """A started server process and the base URL it answers on."""

    process: subprocess.Popen[bytes]
    base: str

    @property
    def pid(self) -> int:
        return self.process.pid

    def cpu_seconds(self) -> float:
        """User + system CPU the process has used so far (Linux ``/proc``)."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS

    def system_seconds(self) -> float:
        """Of :meth:`cpu_seconds`, the kernel's (sockets, futexes, scheduling)."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[12]) / _CLOCK_TICKS

    def context_switches(self) -> int:
        """Context switches of all the process's threads so far, voluntary or not."""
        total = 0
        for task in Path(f"/proc/{self.pid}/task").iterdir():
            try:
                for line in (task / "status").read_text().splitlines():
                    if "ctxt_switches:" in line:  # voluntary_ and nonvoluntary_
                        total += int(line.split()[-1])
            except OSError:  # the thread ended meanwhile
                continue
        return total

    def wait_healthy(self, timeout: float = 60, path: str = "/healthz") -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                urllib.request.urlopen(self.base + path, timeout=1)
                return
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    self.stop()
                    raise SystemExit(f"{self.base} did not become healthy") from None
                time.sleep(0.2)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


_CLOCK_TICKS = 100
with contextlib.suppress(ValueError, OSError, AttributeError):
    import os

    _CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def start_server(argv: list[str], env: dict[str, str], port: int | None = None) -> Server:
    """Start ``argv + ["--port", PORT]`` (PORT free unless given); not yet waited for."""
    port = port or free_port()
    process = subprocess.Popen(
        [*argv, "--port", str(port)],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    return Server(process, f"http://127.0.0.1:{port}")


def start_frontdesk(database_url: str, env: dict[str, str], timeout: float = 60) -> Server:
    """`frontdesk run` on ``database_url``, returned once ``/healthz`` answers."""
    server = start_server([*FRONTDESK, "run", "--database-url", database_url], env)
    server.wait_healthy(timeout)
    return server


@contextlib.contextmanager
def serving(database_url: str, env: dict[str, str], timeout: float = 60) -> Iterator[str]:
    """Yields the base URL once ``/healthz`` answers; stops the server afterwards."""
    server = start_frontdesk(database_url, env, timeout)
    try:
        yield server.base
    finally:
        server.stop()
