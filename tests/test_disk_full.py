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
from pathlib import Path

from tests.server_process import (
    PROBLEMS,
    Customer,
    ServerProcess,
    answered_once,
    call,
    writes_refused,
)


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

        writes_refused(server, ada, bo)

        resource.prlimit(server.pid, resource.RLIMIT_FSIZE, (hard, hard))  # space returns
        assert call("GET", server.base + "/healthz")[0] == 200
        assert bo.say(PROBLEMS[1])[0] == 202  # Bo's client tries again, as Retry-After said
        cy = Customer(server)
        assert cy.say(PROBLEMS[2])[0] == 202

        answered_once([ada, bo, cy])
    finally:
        server.kill()
