"""PostgreSQL stops taking writes under a running front desk (issue #15, 5), the counterpart of
``tests/test_disk_full.py``: customers get 503 + Retry-After, never 500, ``/healthz`` says the
write path is failing while reads go on, and once writes work again every message that was
accepted is answered exactly once, without a restart.

How PostgreSQL is made to refuse writes: we cannot fill the database server's disk (it is
shared, and ours is not the only database on it), so the test does what a managed PostgreSQL
does when its disk is nearly full. Azure Database for PostgreSQL, for one, switches a server
whose storage reaches 95 % to read-only (`default_transaction_read_only`), and an HA failover
leaves pooled connections on the old primary, now a read-only standby; either way every write
fails with SQLSTATE 25006 "cannot execute INSERT in a read-only transaction" while reads work.
Here: ``ALTER DATABASE <ours> SET default_transaction_read_only = on``, then the desk's
connections are terminated (as the failover ends them; a setting made with ``ALTER DATABASE``
reaches only new sessions), so every connection it opens is read-only. Writes come back with
``ALTER DATABASE ... RESET`` alone, with no connection ended: the desk's pooled connections
still carry the read-only setting of the session they started in, so the desk must drop a
connection that refuses writes as read-only and open a fresh one (``store/outage.py``) -- on a
failover that fresh connection reaches the new primary. The disk-full SQLSTATE itself
(``53100``) cannot be made without filling a disk; ``tests/store/test_outage.py`` has the
server raise it (and 25006) and checks that both are outages.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from sqlalchemy.engine import make_url

from tests.server_process import (
    PROBLEMS,
    Customer,
    ServerProcess,
    answered_once,
    call,
    writes_refused,
)


def as_administrator(desk_url: str, *statements: str) -> None:
    """Run ``statements`` on the server of ``desk_url`` from the test's own connection (the
    maintenance database, so ours is free to refuse or end its sessions)."""
    import asyncpg  # type: ignore[import-untyped]

    url = make_url(desk_url)

    async def run() -> None:
        conn = await asyncpg.connect(
            host=url.host, port=url.port or 5432, user=url.username, database="postgres"
        )
        try:
            for statement in statements:
                await conn.execute(statement)
        finally:
            await conn.close()

    asyncio.run(run())


def test_a_read_only_postgresql_is_a_503_and_loses_nothing_once_writes_return(
    postgres_url: str, tmp_path: Path, model_dir: Path
) -> None:
    name = make_url(postgres_url).database
    writable = f'ALTER DATABASE "{name}" RESET default_transaction_read_only'
    server = ServerProcess(tmp_path, database_url=postgres_url)
    server.start()
    try:
        ada, bo = Customer(server), Customer(server)
        # Accepted just before writes stop: its processing may meet the read-only database.
        assert ada.say(PROBLEMS[0])[0] == 202
        as_administrator(
            postgres_url,
            f'ALTER DATABASE "{name}" SET default_transaction_read_only = on',
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            f" WHERE datname = '{name}' AND pid <> pg_backend_pid()",
        )

        assert "read-only" in writes_refused(server, ada, bo)["error"]

        # Writes return; no connection is ended: the desk must let go of its read-only ones.
        as_administrator(postgres_url, writable)
        deadline = time.monotonic() + 30
        while call("GET", server.base + "/healthz")[0] != 200:
            assert time.monotonic() < deadline, "the desk stayed on its read-only connections"
            time.sleep(0.2)
        assert bo.say(PROBLEMS[1])[0] == 202  # Bo's client tries again, as Retry-After said
        cy = Customer(server)
        assert cy.say(PROBLEMS[2])[0] == 202

        answered_once([ada, bo, cy])
        log = (tmp_path / "server.log").read_text()
        assert "as it arrived failed" not in log, log  # an outage is no bug in the message
    finally:
        server.kill()
        as_administrator(postgres_url, writable)
