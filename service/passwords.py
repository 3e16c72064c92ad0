"""Agent passwords: argon2id hashes (argon2-cffi), never stored or logged in clear.

The cost of a new hash is one of argon2-cffi's parameter profiles, chosen by
``FRONTDESK_PASSWORD_PROFILE`` (read once per process, like ``FRONTDESK_MODEL_CACHE``: every
entry point — server, CLI, worker — hashes alike): ``rfc-9106-low-memory`` (the default:
argon2-cffi's own, t=3, 64 MiB, 4 lanes, ~0.1-0.2 s of CPU a hash on these machines),
``rfc-9106-high-memory`` (t=1, 2 GiB), or ``cheapest-for-tests`` (argon2-cffi's ``CHEAPEST``,
for test suites that create hundreds of agents: never in production). Verifying reads the
parameters from the hash itself, so hashes made under another profile still verify, and a
login rehashes them under the current one (``needs_rehash``).
"""

from __future__ import annotations

import os
from functools import cache

from argon2 import Parameters, PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError

from models import ValidationError

MIN_LENGTH = 10
PROFILE_ENV = "FRONTDESK_PASSWORD_PROFILE"
PROFILES: dict[str, Parameters] = {
    "rfc-9106-low-memory": profiles.RFC_9106_LOW_MEMORY,
    "rfc-9106-high-memory": profiles.RFC_9106_HIGH_MEMORY,
    "cheapest-for-tests": profiles.CHEAPEST,
}
DEFAULT_PROFILE = "rfc-9106-low-memory"


class PasswordProfileError(ValueError):
    """``FRONTDESK_PASSWORD_PROFILE`` names no profile."""


def profile_from_env(environ: dict[str, str] | None = None) -> str:
    env = os.environ if environ is None else environ
    name = env.get(PROFILE_ENV, "").strip().lower() or DEFAULT_PROFILE
    if name not in PROFILES:
        raise PasswordProfileError(
            f"{PROFILE_ENV}={name!r} is not a password profile; choose one of "
            + ", ".join(PROFILES)
        )
    return name


@cache
def _hasher() -> PasswordHasher:
    return PasswordHasher.from_parameters(PROFILES[profile_from_env()])


def hash_password(password: str) -> str:
    if len(password) < MIN_LENGTH:
        raise ValidationError(f"the password must have at least {MIN_LENGTH} characters")
    return _hasher().hash(password)


def rehash_password(password: str) -> str:
    """A hash of a password that just verified, under the current profile (no length rule: it
    was accepted when it was set)."""
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when ``password_hash`` was made under other parameters than the current profile's."""
    try:
        return _hasher().check_needs_rehash(password_hash)
    except InvalidHashError:
        return True
