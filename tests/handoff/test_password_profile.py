"""How costly an agent's password hash is: argon2-cffi's RFC 9106 low-memory profile unless
``FRONTDESK_PASSWORD_PROFILE`` says otherwise (the test suite runs with argon2-cffi's cheapest
parameters: it creates and signs in hundreds of agents). A hash made under other parameters
is replaced at the next login, so raising the cost reaches every agent who signs in."""

from __future__ import annotations

from typing import Any

import pytest
from argon2 import PasswordHasher

from bot.settings import SettingsError, load_settings
from service.passwords import (
    DEFAULT_PROFILE,
    PROFILE_ENV,
    PROFILES,
    needs_rehash,
    profile_from_env,
    verify_password,
)

from .conftest import PASSWORD, LiveDesk


def test_without_the_setting_hashes_use_argon2_cffis_rfc_9106_low_memory_profile() -> None:
    assert profile_from_env({}) == DEFAULT_PROFILE == "rfc-9106-low-memory"
    made = PasswordHasher.from_parameters(PROFILES[profile_from_env({})]).hash(PASSWORD)
    assert made.startswith("$argon2id$v=19$m=65536,t=3,p=4$")


def test_an_unknown_profile_stops_the_server_at_start() -> None:
    with pytest.raises(SettingsError, match=f"{PROFILE_ENV}='fastest'.*rfc-9106-low-memory"):
        load_settings({PROFILE_ENV: "fastest"})


async def test_a_login_rehashes_a_password_hashed_under_other_parameters(
    make_desk: Any, sqlite_url: str
) -> None:
    desk: LiveDesk = await make_desk(sqlite_url)
    ann = await desk.agent("ann@example.com")
    agent_id = ann.profile["id"]

    # ann's hash was made under the default profile, before this desk's profile was chosen
    old = PasswordHasher.from_parameters(PROFILES[DEFAULT_PROFILE]).hash(PASSWORD)
    assert needs_rehash(old)  # this test run's profile is another one

    async def set_hash(uow: Any) -> None:
        agent = await uow.agents.get(agent_id)
        agent.password_hash = old
        await uow.agents.save(agent)

    await desk.fd.store.write(set_hash)
    assert (await ann.login())[0] == 200

    stored = (await desk.fd.store.read(lambda uow: uow.agents.get(agent_id))).password_hash
    assert stored != old and not needs_rehash(stored) and verify_password(stored, PASSWORD)
    assert (await ann.login())[0] == 200  # the same password still signs in
    assert (await ann.login("not the password"))[0] == 401
