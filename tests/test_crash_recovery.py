"""A real `frontdesk run` process killed with SIGKILL right after accepting a message loses
nothing, and once restarted answers it exactly once."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def call(method: str, url: str, body: Any = None, token: str = "") -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=35) as response:
        return response.status, json.loads(response.read())


class Server:
    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.port = free_port()
        self.url = f"sqlite+aiosqlite:///{tmp}/fd.db"
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bot",
                "run",
                "--port",
                str(self.port),
                "--database-url",
                self.url,
            ],
            cwd=Path(__file__).resolve().parent.parent,
            env={**os.environ, "FRONTDESK_DATA_DIR": str(self.tmp)},
            stdout=subprocess.DEVNULL,
            stderr=open(self.tmp / "server.log", "ab"),  # noqa: SIM115
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, (self.tmp / "server.log").read_text()[-2000:]
            try:
                if call("GET", self.base + "/healthz")[0] == 200:
                    return
            except OSError:
                time.sleep(0.2)
        raise AssertionError("server did not become healthy")

    def kill(self) -> None:
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)


def test_sigkill_after_202_loses_nothing_and_replies_exactly_once(tmp_path: Path) -> None:
    server = Server(tmp_path)
    server.start()
    try:
        _, session = call("POST", server.base + "/api/chat/sessions")
        messages = f"{server.base}/api/chat/sessions/{session['session_id']}/messages"
        status, _ = call(
            "POST", messages, {"text": "Card payments keep failing at checkout"}, session["token"]
        )
        assert status == 202
        server.kill()  # right after the 202: the reply may or may not have been produced
        server.start()
        seen: list[dict[str, Any]] = []
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not any(m["sender"] == "bot" for m in seen):
            after = seen[-1]["seq"] if seen else 0
            seen += call("GET", f"{messages}?after={after}&wait=5", token=session["token"])[1][
                "messages"
            ]
        time.sleep(1.5)  # anything doubled would show up now
        seen += call("GET", f"{messages}?after={seen[-1]['seq']}&wait=1", token=session["token"])[
            1
        ]["messages"]
        assert [m["sender"] for m in seen] == ["customer", "bot"]
        assert "FD-1001" in seen[1]["text"]
    finally:
        if server.proc and server.proc.poll() is None:
            server.kill()
