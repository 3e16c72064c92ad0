"""When the database stops taking writes, /healthz says so (503) instead of "ok" while every
customer's message fails (issue 15, finding 6)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from .conftest import LiveDesk


async def make_read_only(desk: LiveDesk) -> None:
    """The database refuses writes from now on, as on a read-only mount or a standby."""
    store = desk.fd.store
    if store.dialect == "sqlite":
        # The writer keeps one connection (SingletonThreadPool): from now on it may only read.
        await store.write(lambda uow: uow.conn.execute(text("PRAGMA query_only = ON")))
        return
    import asyncpg  # type: ignore[import-untyped]
    from sqlalchemy.engine import make_url

    url = make_url(store.url)
    admin = await asyncpg.connect(host=url.host, port=url.port or 5432, user=url.username)
    try:
        await admin.execute(
            f'ALTER DATABASE "{url.database}" SET default_transaction_read_only = on'
        )
        await admin.execute(  # the writer's next connection is a fresh, read-only one
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1",
            url.database,
        )
    finally:
        await admin.close()


async def health(desk: LiveDesk) -> tuple[int, Any, Any]:
    async with desk.http().get(desk.url("/healthz")) as r:
        return r.status, await r.json(), r.headers


async def test_health_reports_a_database_that_stopped_taking_writes(desk: LiveDesk) -> None:
    status, body, _ = await health(desk)
    assert (status, body["status"]) == (200, "ok")

    await make_read_only(desk)

    for _ in range(3):  # the first probe may meet the connection the database just cut
        status, body, headers = await health(desk)
        if status == 503:
            break
    assert status == 503
    assert body["status"] == "degraded" and body["database"] == "writes failing"
    assert "read" in body["error"].lower()
    assert int(headers["Retry-After"]) > 0
