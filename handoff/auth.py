"""Agent login, server-side sessions, CSRF tokens, roles and login throttling.

The cookie carries a random token; the database keeps only its SHA-256, so a leaked database
does not hand out sessions. Each session has its own CSRF token, which every state-changing
request must echo (header ``X-CSRF-Token`` or a form field ``csrf_token``). Login attempts are
counted in the database per account and per client address *before* the password is checked
(one atomic upsert each, ``store/limits.py``), so parallel guesses cannot slip past the count
and every process serving the console sees the same one; an account that locks is reported to
the admins in the console.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import math
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from models import Agent, AgentRole, Forbidden, NotSignedIn, TooFast
from service.desk import utc_now
from service.passwords import hash_password, needs_rehash, rehash_password, verify_password

if TYPE_CHECKING:
    from store.database import Store
    from store.handoff_repositories import AgentSession
    from store.unit_of_work import UnitOfWork

SESSION_COOKIE = "frontdesk_session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"


class LoginRefused(NotSignedIn):
    """Wrong email or password (deliberately not saying which)."""


class LoginThrottled(TooFast):
    """Too many login attempts for this account or from this address; try again later."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after, f"too many login attempts; try again in {retry_after} s")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def csrf_matches(expected: str, given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(expected.encode(), (given or "").encode())


def require_role(agent: Agent, role: AgentRole, what: str) -> None:
    """Raise :class:`Forbidden` unless ``agent`` is at least ``role``."""
    if not agent.role.at_least(role):
        raise Forbidden(f"only a {role.value} or above may {what}; you are {agent.role.value}")


def actor_of(agent: Agent) -> str:
    return f"agent:{agent.id}"


@dataclass
class AgentAuth:
    """Logs agents in and out and resolves a cookie to its session."""

    store: Store
    clock: Callable[[], datetime] = utc_now
    session_ttl: timedelta = timedelta(hours=12)
    max_failures: int = 5  # attempts per account per window (0 = no limit)
    failure_window: timedelta = timedelta(minutes=15)
    max_per_ip: int = 30  # attempts from one client address per window, any accounts (0 = none)
    _dummy_hash: str = field(default="", repr=False)
    _touched: dict[int, datetime] = field(default_factory=dict, repr=False)

    async def login(self, email: str, password: str, client: str) -> tuple[Agent, str, str]:
        """(agent, session token, CSRF token); raises LoginThrottled or LoginRefused.

        The attempt is counted first, then the password checked only if the count allows it:
        60 parallel guesses for one account get exactly ``max_failures`` checks.
        """
        email = email.strip().lower()
        now = self.clock()
        by_account, by_ip = f"login:account:{email}", f"login:ip:{client}"

        async def count_attempt(uow: UnitOfWork) -> tuple[float, Agent | None]:
            account = await uow.limits.hit(by_account, now, self.failure_window)
            address = await uow.limits.hit(by_ip, now, self.failure_window)
            agent = await uow.agents.by_email(email)
            if account.over(self.max_failures) and account.hits == self.max_failures + 1:
                await _tell_admins_of_lockout(uow, email, client, agent, now, account.window_ends)
            over = [c for c, limit in ((account, self.max_failures), (address, self.max_per_ip))
                    if c.over(limit)]  # fmt: skip
            wait = max(((c.window_ends - now).total_seconds() for c in over), default=0.0)
            return wait, agent

        wait, agent = await self.store.write(count_attempt)
        if wait > 0:
            raise LoginThrottled(max(1, math.ceil(wait)))
        # argon2 is slow on purpose: run it off the event loop and outside any transaction;
        # an unknown email costs the same as a wrong password, so timing tells nothing.
        if agent is None or not agent.active:
            if not self._dummy_hash:
                self._dummy_hash = await asyncio.to_thread(hash_password, secrets.token_hex(16))
            await asyncio.to_thread(verify_password, self._dummy_hash, password)
            ok = False
        else:
            ok = await asyncio.to_thread(verify_password, agent.password_hash, password)
        if not ok or agent is None:
            raise LoginRefused("wrong email or password")
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        agent_id, old_hash = agent.id, agent.password_hash
        # a hash made under other parameters (FRONTDESK_PASSWORD_PROFILE changed) is replaced
        # while the password is at hand
        new_hash = (
            await asyncio.to_thread(rehash_password, password) if needs_rehash(old_hash) else None
        )

        async def open_session(uow: UnitOfWork) -> None:
            if new_hash is not None:
                current = await uow.agents.get(agent_id)
                if current.password_hash == old_hash:  # not changed meanwhile
                    current.password_hash = new_hash
                    await uow.agents.save(current)
            await uow.limits.forget(by_account)  # the right password: the count starts anew
            await uow.limits.undo(by_ip)  # and does not hold a colleague's login back
            await uow.limits.purge(now - timedelta(days=1))  # counters of windows long over
            await uow.sessions.delete_expired(now)
            await uow.sessions.add(hash_token(token), agent_id, csrf, now, now + self.session_ttl)
            await uow.handoff.touch_agent(agent_id, now)

        await self.store.write(open_session)
        self._touched[agent_id] = now
        return agent, token, csrf

    async def confirm_password(self, agent_id: int, password: str) -> None:
        """Check a signed-in agent's current password before they change it; raises
        :class:`Forbidden` if wrong, :class:`LoginThrottled` past ``max_failures`` guesses per
        window. Counted apart from logins: a stolen session guessing here cannot lock the
        agent out of signing in."""
        now, subject = self.clock(), f"password-change:agent:{agent_id}"

        async def count_attempt(uow: UnitOfWork) -> tuple[float, Agent]:
            count = await uow.limits.hit(subject, now, self.failure_window)
            wait = (count.window_ends - now).total_seconds()
            return wait if count.over(self.max_failures) else 0.0, await uow.agents.get(agent_id)

        wait, agent = await self.store.write(count_attempt)
        if wait > 0:
            raise LoginThrottled(max(1, math.ceil(wait)))
        if not await asyncio.to_thread(verify_password, agent.password_hash, password):
            raise Forbidden("the current password is wrong")

        async def forget(uow: UnitOfWork) -> None:
            await uow.limits.forget(subject)

        await self.store.write(forget)

    async def session(self, token: str | None) -> AgentSession | None:
        """The live session for a cookie value, or None (unknown, expired, agent disabled)."""
        if not token:
            return None
        token_hash, now = hash_token(token), self.clock()
        return await self.store.read(lambda uow: uow.sessions.get(token_hash, now))

    async def seen(self, agent_id: int) -> None:
        """Keep the agent *online* (see :mod:`handoff.routing`); written at most every 30 s."""
        now = self.clock()
        last = self._touched.get(agent_id)
        if last is not None and now - last < timedelta(seconds=30):
            return
        self._touched[agent_id] = now

        async def touch(uow: UnitOfWork) -> None:
            await uow.handoff.touch_agent(agent_id, now)

        await self.store.write(touch)

    async def logout(self, token: str, agent_id: int) -> None:
        now = self.clock()
        self._touched.pop(agent_id, None)

        async def close(uow: UnitOfWork) -> None:
            await uow.sessions.delete(hash_token(token))
            await uow.agents.set_online(agent_id, False, now)

        await self.store.write(close)


LOCKOUT = "login_locked"
"""The kind of the admins' notification of an account whose logins are locked."""


async def _tell_admins_of_lockout(
    uow: UnitOfWork,
    email: str,
    client: str,
    agent: Agent | None,
    now: datetime,
    until: datetime,
) -> None:
    """Every active admin sees it in the console (only for accounts that exist: a stranger
    spraying made-up addresses must not flood the admins)."""
    if agent is None:
        return
    text = (
        f"Logins to {email} are locked until {until:%H:%M} UTC after repeated wrong "
        f"passwords (the last from {client})."
    )
    for admin in await uow.agents.list():
        if admin.active and admin.role is AgentRole.ADMIN:
            await uow.notifications.add(admin.id, None, LOCKOUT, text, now)
