"""The HTTP account directory: the company's own user system, over signed JSON requests.

Every request is ``POST {base_url}{path}`` with a JSON body and two headers:

* ``X-Frontdesk-Timestamp``: Unix time in seconds, as decimal digits;
* ``X-Frontdesk-Signature``: ``sha256=`` + hex HMAC-SHA256 with the shared secret over
  ``timestamp + "." + raw body bytes``.

The receiver should recompute the signature, compare in constant time and refuse timestamps
more than five minutes off. Timeouts, connection errors, 429 and 5xx are retried (three attempts
in all, with a short backoff) and then raise :class:`DirectoryUnavailable`; other 4xx raise
:class:`DirectoryRejected`. The schemas are in ``docs/fulfilment.md``.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import time
from typing import Any

import aiohttp

from models.accounts import Account, AccountRole

from .directory import DirectoryRejected, DirectoryUnavailable

log = logging.getLogger(__name__)

TIMESTAMP_HEADER = "X-Frontdesk-Timestamp"
SIGNATURE_HEADER = "X-Frontdesk-Signature"


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The signature header's value for ``body`` sent at ``timestamp``."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def verify_signature(
    secret: str, timestamp: str, body: bytes, signature: str, *, max_skew: float = 300.0
) -> bool:
    """What the company's side should do with a request (used by our tests' fake server)."""
    try:
        if abs(time.time() - int(timestamp)) > max_skew:
            return False
    except ValueError:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), signature)


def account_from_json(data: dict[str, Any]) -> Account:
    try:
        return Account(
            id=str(data["id"]),
            email=str(data["email"]).lower(),
            name=str(data.get("name") or ""),
            org=data.get("org") or None,
            role=AccountRole(data.get("role") or "member"),
            features=tuple(str(f) for f in data.get("features") or ()),
        )
    except (KeyError, ValueError, TypeError) as exc:
        raise DirectoryUnavailable(f"the account system sent an unusable account: {exc}") from exc


class HttpDirectory:
    """An :class:`~bot.fulfilment.directory.AccountDirectory` over the company's endpoints."""

    name = "http"
    sends_own_reset_mail = True

    def __init__(
        self,
        base_url: str,
        secret: str,
        *,
        timeout: float = 5.0,
        attempts: int = 3,
        backoff: float = 0.2,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.secret = secret
        self.timeout = timeout
        self.attempts = max(1, attempts)
        self.backoff = backoff
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout))

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _call(self, path: str, payload: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if self._session is None:
            raise DirectoryUnavailable("the HTTP directory is not started")
        body = json.dumps(payload, separators=(",", ":")).encode()
        problem = "no attempt made"
        for attempt in range(1, self.attempts + 1):
            timestamp = str(int(time.time()))
            headers = {
                "Content-Type": "application/json",
                TIMESTAMP_HEADER: timestamp,
                SIGNATURE_HEADER: sign(self.secret, timestamp, body),
            }
            try:
                async with self._session.post(
                    self.base_url + path, data=body, headers=headers
                ) as resp:
                    text = await resp.text()
                    status = resp.status
            except (TimeoutError, aiohttp.ClientError) as exc:
                problem = f"{type(exc).__name__} calling {path}"
            else:
                if status < 400:
                    try:
                        data = json.loads(text) if text.strip() else {}
                    except json.JSONDecodeError as exc:
                        raise DirectoryUnavailable(f"{path} answered non-JSON") from exc
                    return status, data if isinstance(data, dict) else {}
                if status != 429 and status < 500:
                    raise DirectoryRejected(f"{path} answered {status}: {text[:200]}")
                problem = f"{path} answered {status}"
            log.warning("account system: %s (attempt %d/%d)", problem, attempt, self.attempts)
            if attempt < self.attempts:
                await asyncio.sleep(self.backoff * 2 ** (attempt - 1))
        raise DirectoryUnavailable(problem)

    async def find(self, email: str) -> Account | None:
        _, data = await self._call("/accounts/lookup", {"email": email.strip().lower()})
        account = data.get("account")
        return account_from_json(account) if isinstance(account, dict) else None

    async def request_password_reset(self, email: str, reference: str) -> None:
        await self._call(
            "/accounts/password-reset", {"email": email.strip().lower(), "reference": reference}
        )

    async def update(
        self, account: Account, *, name: str | None = None, email: str | None = None
    ) -> Account:
        changes = {k: v for k, v in (("name", name), ("email", email)) if v is not None}
        _, data = await self._call(
            "/accounts/update", {"account_id": account.id, "changes": changes}
        )
        return self._account(data)

    async def add_member(
        self, org: str, email: str, name: str, role: AccountRole, requested_by: Account
    ) -> Account:
        _, data = await self._call(
            "/orgs/members",
            {
                "org": org,
                "email": email,
                "name": name,
                "role": role.value,
                "requested_by": requested_by.id,
            },
        )
        return self._account(data)

    async def grant_feature(self, account: Account, feature: str) -> Account:
        _, data = await self._call(
            "/accounts/features", {"account_id": account.id, "feature": feature}
        )
        return self._account(data)

    @staticmethod
    def _account(data: dict[str, Any]) -> Account:
        account = data.get("account")
        if not isinstance(account, dict):
            raise DirectoryUnavailable("the account system's answer has no account")
        return account_from_json(account)
