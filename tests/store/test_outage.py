"""``store/outage.py`` on what PostgreSQL really sends: each SQLSTATE is raised by the server
(``RAISE ... USING ERRCODE``) and reaches the classifier through asyncpg and SQLAlchemy, as a
real full disk, read-only server or shutdown would. A full disk (53100) cannot be made on a
shared server; this is how it is covered."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from store.engine import create_engine
from store.outage import is_read_only, is_unavailable

pytestmark = pytest.mark.postgres


@pytest.mark.parametrize(
    ("condition", "outage", "read_only"),
    [
        ("disk_full", True, False),  # 53100
        ("out_of_memory", True, False),  # 53200
        ("read_only_sql_transaction", True, True),  # 25006
        ("admin_shutdown", True, False),  # 57P01
        ("unique_violation", False, False),  # 23505: the request's own fault
        ("invalid_text_representation", False, False),  # 22P02
    ],
)
async def test_what_the_server_says_is_an_outage_or_the_requests_fault(
    postgres_url: str, condition: str, outage: bool, read_only: bool
) -> None:
    engine = create_engine(postgres_url, pool_size=1)
    try:
        async with engine.connect() as conn:
            with pytest.raises(Exception) as raised:
                await conn.execute(
                    text(
                        f"DO $$ BEGIN RAISE EXCEPTION 'test' USING ERRCODE = '{condition}'; END $$"
                    )
                )
        assert (is_unavailable(raised.value), is_read_only(raised.value)) == (outage, read_only)
    finally:
        await engine.dispose()


async def test_a_connection_refused_as_read_only_is_not_used_again(postgres_url: str) -> None:
    engine = create_engine(postgres_url, pool_size=1)
    try:
        async with engine.connect() as conn:
            first = (await conn.execute(text("SELECT pg_backend_pid()"))).scalar()
            await conn.execute(text("SET default_transaction_read_only = on"))
            await conn.commit()
            with pytest.raises(Exception) as raised:
                await conn.execute(text("CREATE TABLE refused (id integer)"))
        assert is_read_only(raised.value)
        async with engine.connect() as conn:  # a fresh session, writable
            assert (await conn.execute(text("SELECT pg_backend_pid()"))).scalar() != first
            assert (
                await conn.execute(text("SHOW default_transaction_read_only"))
            ).scalar() == "off"
    finally:
        await engine.dispose()
