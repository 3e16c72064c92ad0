"""Customer accounts in a company's user directory, as auto-fulfilment sees them.

The directory is the company's (or the built-in one); these are the facts a fulfiller may read.
Account ids are strings because a company's own system chooses them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class AccountRole(StrEnum):
    """What an account may do in its organisation: admins manage members and features."""

    ADMIN = "admin"
    MEMBER = "member"


@dataclass(frozen=True, slots=True)
class Account:
    """One login of the company's product (not an agent, not a chat identity)."""

    id: str
    email: str
    name: str
    org: str | None = None
    role: AccountRole = AccountRole.MEMBER
    features: tuple[str, ...] = field(default=())
    created_at: datetime | None = None

    @property
    def is_admin(self) -> bool:
        return self.role is AccountRole.ADMIN and bool(self.org)
