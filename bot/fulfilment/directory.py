"""The account directory port, its errors, and the built-in directory over our own store.

A deployment plugs its user system in through :class:`~bot.fulfilment.http_directory.
HttpDirectory`; with nothing configured the built-in directory (``frontdesk accounts add``) is
used. Fulfillers only ever see this protocol.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from models import ValidationError
from models.accounts import Account, AccountRole

if TYPE_CHECKING:
    from store.database import Store


class DirectoryError(Exception):
    """The directory could not do what was asked."""


class DirectoryUnavailable(DirectoryError):
    """A timeout, a network error or a 5xx, after the retries: try again later or ask a human."""


class DirectoryRejected(DirectoryError):
    """The directory refused the request (a 4xx: the email is taken, the account is gone)."""


class AccountDirectory(Protocol):
    """Where accounts live. Every method may raise :class:`DirectoryError`."""

    name: str
    sends_own_reset_mail: bool
    """True when the directory mails password-reset links itself (the HTTP backend); False
    when Frontdesk mails its own single-use link and serves the page (the built-in one)."""

    async def find(self, email: str) -> Account | None:
        """The account registered with ``email`` (case-insensitive), or None."""
        ...

    async def request_password_reset(self, email: str, reference: str) -> None:
        """Ask the directory to mail its own reset link (only if ``sends_own_reset_mail``)."""
        ...

    async def update(
        self, account: Account, *, name: str | None = None, email: str | None = None
    ) -> Account:
        """Change the account's name or email address."""
        ...

    async def add_member(
        self, org: str, email: str, name: str, role: AccountRole, requested_by: Account
    ) -> Account:
        """Create an account in ``org`` (DirectoryRejected if the email is taken)."""
        ...

    async def grant_feature(self, account: Account, feature: str) -> Account:
        """Give ``account`` access to ``feature`` (idempotent)."""
        ...


class BuiltinDirectory:
    """Accounts in Frontdesk's own tables: the embedded default, and what tests run against."""

    name = "builtin"
    sends_own_reset_mail = False

    def __init__(self, store: Store, clock: Callable[[], datetime]) -> None:
        self.store = store
        self.clock = clock

    async def find(self, email: str) -> Account | None:
        return await self.store.read(lambda uow: uow.accounts.by_email(email))

    async def request_password_reset(self, email: str, reference: str) -> None:
        raise DirectoryRejected("the built-in directory does not send reset mails itself")

    async def update(
        self, account: Account, *, name: str | None = None, email: str | None = None
    ) -> Account:
        changes = {k: v for k, v in (("name", name), ("email", email)) if v is not None}
        try:
            return await self.store.write(
                lambda uow: uow.accounts.update(account.id, self.clock(), **changes)
            )
        except ValidationError as exc:
            raise DirectoryRejected(str(exc)) from exc

    async def add_member(
        self, org: str, email: str, name: str, role: AccountRole, requested_by: Account
    ) -> Account:
        try:
            return await self.store.write(
                lambda uow: uow.accounts.add(email, name, self.clock(), org=org, role=role)
            )
        except ValidationError as exc:
            raise DirectoryRejected(str(exc)) from exc

    async def grant_feature(self, account: Account, feature: str) -> Account:
        features = sorted({*account.features, feature})
        return await self.store.write(
            lambda uow: uow.accounts.update(account.id, self.clock(), features=features)
        )
