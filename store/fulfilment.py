"""Repositories of auto-fulfilment: the built-in account directory, reset tokens,
verification cool-downs, dialogue timers and the linking of verified customer identities."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import RowMapping, delete, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from models import ValidationError
from models.accounts import Account, AccountRole

from . import tables as t


def _account(row: RowMapping) -> Account:
    return Account(
        id=str(row["id"]),
        email=row["email"],
        name=row["name"],
        org=row["org"],
        role=AccountRole(row["role"]),
        features=tuple(row["features"] or ()),
        created_at=row["created_at"],
    )


class AccountRepository:
    """The built-in directory's accounts; emails are stored lower-cased and are unique."""

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def add(
        self,
        email: str,
        name: str,
        now: datetime,
        org: str | None = None,
        role: AccountRole = AccountRole.MEMBER,
    ) -> Account:
        try:
            async with self.conn.begin_nested():
                result = await self.conn.execute(
                    insert(t.directory_accounts)
                    .values(
                        email=email.strip().lower(),
                        name=name,
                        org=org,
                        role=role.value,
                        features=[],
                        created_at=now,
                        updated_at=now,
                    )
                    .returning(t.directory_accounts.c.id)
                )
        except IntegrityError:
            raise ValidationError(f"an account with the email {email} exists already") from None
        return await self.get(str(result.scalar_one()))

    async def get(self, account_id: str) -> Account:
        row = (
            (
                await self.conn.execute(
                    select(t.directory_accounts).where(t.directory_accounts.c.id == int(account_id))
                )
            )
            .mappings()
            .first()
        )
        if row is None:
            raise ValidationError(f"account {account_id} does not exist")
        return _account(row)

    async def by_email(self, email: str) -> Account | None:
        query = select(t.directory_accounts).where(
            t.directory_accounts.c.email == email.strip().lower()
        )
        row = (await self.conn.execute(query)).mappings().first()
        return _account(row) if row else None

    async def list(self) -> list[Account]:
        query = select(t.directory_accounts).order_by(t.directory_accounts.c.id)
        return [_account(r) for r in (await self.conn.execute(query)).mappings()]

    async def update(self, account_id: str, now: datetime, **changes: Any) -> Account:
        """Change ``name``, ``email`` or ``features``; an email taken by another account fails."""
        values = dict(changes, updated_at=now)
        if "email" in values:
            values["email"] = str(values["email"]).strip().lower()
        try:
            async with self.conn.begin_nested():
                await self.conn.execute(
                    update(t.directory_accounts)
                    .where(t.directory_accounts.c.id == int(account_id))
                    .values(**values)
                )
        except IntegrityError:
            raise ValidationError("that email address belongs to another account") from None
        return await self.get(account_id)

    async def set_password_hash(self, account_id: str, password_hash: str, now: datetime) -> None:
        await self.conn.execute(
            update(t.directory_accounts)
            .where(t.directory_accounts.c.id == int(account_id))
            .values(password_hash=password_hash, updated_at=now)
        )

    async def password_hash(self, account_id: str) -> str | None:
        query = select(t.directory_accounts.c.password_hash).where(
            t.directory_accounts.c.id == int(account_id)
        )
        value = (await self.conn.execute(query)).scalar_one_or_none()
        return str(value) if value else None


@dataclass(frozen=True, slots=True)
class ResetToken:
    token_hash: str
    account_id: str
    conversation_id: int | None
    ticket_id: int | None
    expires_at: datetime
    used_at: datetime | None

    def usable(self, now: datetime) -> bool:
        return self.used_at is None and now < self.expires_at


class FulfilmentRepository:
    """Reset tokens, cool-downs and the deadlines the idle check looks at."""

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    # -- password-reset tokens (only SHA-256 hashes are stored) ------------------------------

    async def add_reset_token(
        self,
        token_hash: str,
        account_id: str,
        now: datetime,
        expires_at: datetime,
        conversation_id: int | None,
        ticket_id: int | None,
    ) -> None:
        """Store a new link's token; every earlier unused link of the account dies with it
        (one reset link alive per account)."""
        await self._revoke_others(account_id, token_hash, now)
        await self.conn.execute(
            insert(t.password_reset_tokens).values(
                token_hash=token_hash,
                account_id=int(account_id),
                conversation_id=conversation_id,
                ticket_id=ticket_id,
                created_at=now,
                expires_at=expires_at,
            )
        )

    async def reset_token(self, token_hash: str) -> ResetToken | None:
        query = select(t.password_reset_tokens).where(
            t.password_reset_tokens.c.token_hash == token_hash
        )
        row = (await self.conn.execute(query)).mappings().first()
        if row is None:
            return None
        return ResetToken(
            token_hash=row["token_hash"],
            account_id=str(row["account_id"]),
            conversation_id=row["conversation_id"],
            ticket_id=row["ticket_id"],
            expires_at=row["expires_at"],
            used_at=row["used_at"],
        )

    async def use_reset_token(self, token_hash: str, now: datetime) -> bool:
        """Mark the token used; False if it was used already, revoked or has expired (single
        use: of concurrent submissions of one link the row lock lets exactly one through).
        Using a link revokes the account's other links."""
        result = await self.conn.execute(
            update(t.password_reset_tokens)
            .where(
                t.password_reset_tokens.c.token_hash == token_hash,
                t.password_reset_tokens.c.used_at.is_(None),
                t.password_reset_tokens.c.expires_at > now,
            )
            .values(used_at=now)
            .returning(t.password_reset_tokens.c.account_id)
        )
        account_id = result.scalar_one_or_none()
        if account_id is None:
            return False
        await self._revoke_others(str(account_id), token_hash, now)  # the others die too
        return True

    async def _revoke_others(self, account_id: str, token_hash: str, now: datetime) -> None:
        """Mark the account's other unused links used (revoked) as of ``now``."""
        tokens = t.password_reset_tokens.c
        await self.conn.execute(
            update(t.password_reset_tokens)
            .where(
                tokens.account_id == int(account_id),
                tokens.token_hash != token_hash,
                tokens.used_at.is_(None),
            )
            .values(used_at=now)
        )

    # -- verification cool-downs -------------------------------------------------------------

    async def cooldown_until(self, subject_hash: str) -> datetime | None:
        query = select(t.verification_cooldowns.c.until).where(
            t.verification_cooldowns.c.subject_hash == subject_hash
        )
        value: datetime | None = (await self.conn.execute(query)).scalar_one_or_none()
        return value

    async def set_cooldown(self, subject_hash: str, until: datetime) -> None:
        await self.conn.execute(
            delete(t.verification_cooldowns).where(
                t.verification_cooldowns.c.subject_hash == subject_hash
            )
        )
        await self.conn.execute(
            insert(t.verification_cooldowns).values(subject_hash=subject_hash, until=until)
        )

    # -- dialogue timers ---------------------------------------------------------------------

    async def set_timer(self, conversation_id: int, due_at: datetime) -> None:
        await self.clear_timer(conversation_id)
        await self.conn.execute(
            insert(t.fulfilment_timers).values(conversation_id=conversation_id, due_at=due_at)
        )

    async def clear_timer(self, conversation_id: int) -> None:
        await self.conn.execute(
            delete(t.fulfilment_timers).where(
                t.fulfilment_timers.c.conversation_id == conversation_id
            )
        )

    async def due_timers(self, now: datetime, limit: int = 500) -> list[int]:
        query = (
            select(t.fulfilment_timers.c.conversation_id)
            .where(t.fulfilment_timers.c.due_at <= now)
            .order_by(t.fulfilment_timers.c.due_at)
            .limit(limit)
        )
        return [int(v) for v in (await self.conn.execute(query)).scalars()]

    # -- customer identities -----------------------------------------------------------------

    async def link_verified_email(self, customer_id: int, email: str) -> int:
        """Record ``email`` as verified for the customer and link every identity with the same
        verified email to one person (so history follows them across channels). Returns the
        person id."""
        email = email.strip().lower()
        await self.conn.execute(
            update(t.customers)
            .where(t.customers.c.id == customer_id)
            .values(email=email, email_verified=True)
        )
        query = select(t.customers.c.id, t.customers.c.person_id).where(
            or_(
                t.customers.c.id == customer_id,
                (t.customers.c.email == email) & t.customers.c.email_verified.is_(True),
            )
        )
        found = (await self.conn.execute(query)).all()
        people = [int(r.person_id) for r in found if r.person_id is not None]
        person_id = min(people) if people else min(int(r.id) for r in found)
        ids = [int(r.id) for r in found]
        # whole persons merge: identities already linked to any of these people come along
        await self.conn.execute(
            update(t.customers)
            .where(or_(t.customers.c.id.in_(ids), t.customers.c.person_id.in_(people or [-1])))
            .values(person_id=person_id)
        )
        return person_id
