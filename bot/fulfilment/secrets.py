"""One-time codes and reset tokens: made with ``secrets``, kept only as SHA-256 hashes."""

from __future__ import annotations

import hashlib
import hmac
import secrets

CODE_DIGITS = 6


def new_code() -> str:
    """A 6-digit one-time code, uniformly random."""
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def new_salt() -> str:
    return secrets.token_hex(16)


def hash_code(code: str, salt: str) -> str:
    """A salted SHA-256 of a code; what the dialogue state keeps instead of the code."""
    return hashlib.sha256(f"{salt}:{code}".encode()).hexdigest()


def code_matches(code: str, salt: str, expected_hash: str) -> bool:
    return hmac.compare_digest(hash_code(code, salt), expected_hash)


def new_token() -> str:
    """A URL-safe single-use token (256 bits) for a reset link."""
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def subject_hash(email: str) -> str:
    """The key of a verification cool-down: the address, hashed (no raw emails in that table)."""
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()
