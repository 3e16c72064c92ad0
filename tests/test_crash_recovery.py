"""A real `frontdesk run` process killed with SIGKILL right after accepting a message loses
nothing, and once restarted answers it exactly once."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from tests.server_process import ServerProcess, call


def test_sigkill_after_202_loses_nothing_and_replies_exactly_once(
    tmp_path: Path, model_dir: Path
) -> None:
    server = ServerProcess(tmp_path)
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
        seen = [m for m in seen if not m["text"].startswith("While you wait")]  # name, email?
        assert [m["sender"] for m in seen] == ["customer", "bot"]
        assert "FD-1001" in seen[1]["text"]
    finally:
        server.kill()
