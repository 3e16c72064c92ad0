"""The disk fills under a running front desk (issue #15, 5): customers get 503 + Retry-After,
never 500, ``/healthz`` says the write path is failing, and once space returns every message
that was accepted is answered exactly once, without a restart.

How the disk is "filled": a real ``frontdesk run`` (SQLite) gets its file-size limit
(``RLIMIT_FSIZE``) lowered to 0 bytes while it runs, with ``prlimit(2)`` from this process, and
raised again later. Every ``write(2)`` that would put a byte into any file then fails in the
kernel with ``EFBIG`` (Python ignores ``SIGXFSZ``), so SQLite meets a real OS-level write failure
on its WAL and database files, exactly where a full disk or a read-only mount would stop it.
No root, no mount, nothing of ours faked. It is stricter than a full disk (there, rewriting blocks
a file already owns may still work) and SQLite words it "disk I/O error" instead of "database or
disk is full"; both are outages to ``store/outage.py``.
"""

from __future__ import annotations

import resource
import time
from pathlib import Path
from typing import Any

from tests.server_process import ServerProcess, call, call_with_headers

PROBLEMS = (
    "Card payments keep failing at checkout",
    "The desktop app crashes when I export a PDF",
    "Our API answers 503 since noon",
)


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


def test_a_full_disk_is_a_503_and_loses_nothing_once_space_returns(
    tmp_path: Path, model_dir: Path
) -> None:
    server = ServerProcess(tmp_path)
    server.start()
    try:
        ada, bo = Customer(server), Customer(server)
        _, hard = resource.prlimit(server.pid, resource.RLIMIT_FSIZE)

        # Accepted just before the disk fills: its processing may meet the full disk.
        assert ada.say(PROBLEMS[0])[0] == 202
        resource.prlimit(server.pid, resource.RLIMIT_FSIZE, (0, hard))

        status, headers, body = call_with_headers("GET", server.base + "/healthz")
        assert status == 503 and int(headers["Retry-After"]) > 0
        assert body["status"] == "degraded" and body["database"] == "writes failing"
        status, headers, body = bo.say(PROBLEMS[1])
        assert status == 503 and int(headers["Retry-After"]) > 0 and "error" in body
        status, headers, _ = call_with_headers("POST", server.base + "/api/chat/sessions")
        assert status == 503 and int(headers["Retry-After"]) > 0
        # Reading still works: Ada sees what she said before the disk filled.
        assert ada.transcript()[0]["text"] == PROBLEMS[0]
        time.sleep(2)  # the engine keeps retrying what it accepted meanwhile, and must not give up

        resource.prlimit(server.pid, resource.RLIMIT_FSIZE, (hard, hard))  # space returns
        assert call("GET", server.base + "/healthz")[0] == 200
        assert bo.say(PROBLEMS[1])[0] == 202  # Bo's client tries again, as Retry-After said
        cy = Customer(server)
        assert cy.say(PROBLEMS[2])[0] == 202

        for customer, problem in zip((ada, bo, cy), PROBLEMS, strict=True):
            transcript = customer.answered()
            asked = [m for m in transcript if m["text"].startswith("While you wait")]
            transcript = [m for m in transcript if m not in asked]  # the hand-off's name question
            assert [m["sender"] for m in transcript] == ["customer", "bot"], transcript
            assert transcript[0]["text"] == problem
            assert "FD-" in transcript[1]["text"], transcript  # a ticket, not an apology
    finally:
        server.kill()
