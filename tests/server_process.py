"""A real ``frontdesk run`` (``python -m bot run``) in its own process group, for the tests that
need the whole server as an operator runs it: SIGKILL (``tests/test_crash_recovery.py``,
``tests/chaos.py``), a write path that fails at the OS (``tests/test_disk_full.py``) or in
PostgreSQL (``tests/test_pg_read_only.py``); and the web-chat customers those write-failure
tests send.

The process gets its own session (``start_new_session``), so :meth:`ServerProcess.kill` takes
it and anything it started; its stderr goes to ``<tmp>/server.log``, appended across restarts.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PROBLEMS = (
    "Card payments keep failing at checkout",
    "The desktop app crashes when I export a PDF",
    "Our API answers 503 since noon",
)
"""What the write-failure tests' customers say, one each (each opens a ticket)."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def call(
    method: str, url: str, body: Any = None, token: str = "", timeout: float = 35
) -> tuple[int, Any]:
    """One JSON request; an HTTP error status is returned, not raised (body ``None`` if not
    JSON); only a connection failure raises (``OSError``)."""
    status, _, answer = call_with_headers(method, url, body, token, timeout)
    return status, answer


def call_with_headers(
    method: str, url: str, body: Any = None, token: str = "", timeout: float = 35
) -> tuple[int, Mapping[str, str], Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, dict(response.headers), _json(response.read())
    except urllib.error.HTTPError as error:
        with error:
            return error.code, dict(error.headers), _json(error.read())


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return None


class ServerProcess:
    """``frontdesk run`` on a free port (SQLite in ``tmp`` unless ``database_url`` is given),
    with ``env`` added to this process's environment."""

    def __init__(
        self,
        tmp: Path,
        database_url: str | None = None,
        port: int | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.tmp = tmp
        self.database_url = database_url or f"sqlite+aiosqlite:///{tmp}/fd.db"
        self.port = port or free_port()
        self.env = dict(env or {})
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def start(self, timeout: float = 90) -> None:
        """Start the process and wait until ``/healthz`` answers 200."""
        command = [sys.executable, "-m", "bot", "run", "--port", str(self.port)]
        with open(self.tmp / "server.log", "ab") as log:
            self.proc = subprocess.Popen(
                [*command, "--database-url", self.database_url],
                cwd=ROOT,
                env={**os.environ, "FRONTDESK_DATA_DIR": str(self.tmp), **self.env},
                stdout=subprocess.DEVNULL,
                stderr=log,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, self.log()
            try:
                if call("GET", self.base + "/healthz", timeout=5)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"frontdesk did not become healthy: {self.log()}")

    async def start_async(self, timeout: float = 90) -> None:
        """:meth:`start` off the event loop (the chaos run keeps customers writing meanwhile)."""
        await asyncio.to_thread(self.start, timeout)

    def kill(self) -> None:
        """SIGKILL the whole process group (no-op if it is not running)."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def log(self) -> str:
        return (self.tmp / "server.log").read_text(errors="replace")[-3000:]


class Customer:
    """A web-chat customer with their own session."""

    def __init__(self, server: ServerProcess) -> None:
        status, session = call("POST", server.base + "/api/chat/sessions")
        assert status == 201, session
        self.token = session["token"]
        self.messages = f"{server.base}/api/chat/sessions/{session['session_id']}/messages"

    def say(self, text: str) -> tuple[int, Any, Any]:
        body = {"text": text, "client_message_id": text[:20]}  # a retry sends the same id
        status, headers, answer = call_with_headers("POST", self.messages, body, self.token)
        return status, headers, answer

    def transcript(self, wait: float = 0) -> list[dict[str, Any]]:
        url = f"{self.messages}?after=0&wait={wait:g}"
        return list(call("GET", url, token=self.token)[1]["messages"])

    def answered(self) -> list[dict[str, Any]]:
        """The transcript once the bot has answered, and a moment later (a second answer
        would show by then)."""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if any(m["sender"] == "bot" for m in self.transcript(wait=2)):
                break
        time.sleep(1)
        return self.transcript()


def answered_once(customers: list[Customer]) -> None:
    """Customer ``n`` said ``PROBLEMS[n]`` once and got exactly one answer: a ticket, not an
    apology (the hand-off's name question aside)."""
    for customer, problem in zip(customers, PROBLEMS, strict=True):
        transcript = customer.answered()
        asked = [m for m in transcript if m["text"].startswith("While you wait")]
        transcript = [m for m in transcript if m not in asked]
        assert [m["sender"] for m in transcript] == ["customer", "bot"], transcript
        assert transcript[0]["text"] == problem
        assert "FD-" in transcript[1]["text"], transcript


def writes_refused(server: ServerProcess, ada: Customer, bo: Customer) -> dict[str, Any]:
    """While the database refuses writes: ``/healthz`` is 503 degraded, Bo's message and a new
    chat session are 503 + Retry-After (never 500), and Ada, who wrote ``PROBLEMS[0]`` before,
    still reads her conversation. Then two seconds pass, in which the engine keeps retrying
    what it accepted and must not give up. Returns the ``/healthz`` answer."""
    status, headers, health = call_with_headers("GET", server.base + "/healthz")
    assert status == 503 and int(headers["Retry-After"]) > 0, health
    assert health["status"] == "degraded" and health["database"] == "writes failing", health
    status, headers, body = bo.say(PROBLEMS[1])
    assert status == 503 and int(headers["Retry-After"]) > 0 and "error" in body, body
    status, headers, _ = call_with_headers("POST", server.base + "/api/chat/sessions")
    assert status == 503 and int(headers["Retry-After"]) > 0
    assert ada.transcript()[0]["text"] == PROBLEMS[0]
    time.sleep(2)
    return dict(health)
