"""Domain errors: each says what went wrong in support terms, so the edge can answer well."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every business-rule failure."""


class InvalidTransition(DomainError):
    """A ticket was asked to move in a way its lifecycle forbids."""

    def __init__(self, current: str, action: str) -> None:
        super().__init__(f"cannot {action.replace('_', ' ')} a ticket that is {current}")
        self.current = current
        self.action = action


class InvalidTicketId(DomainError):
    """A string that is not a ticket ID such as ``FD-1042``."""


class NotFound(DomainError):
    """A ticket, conversation, customer or agent that does not exist."""


class ValidationError(DomainError):
    """Input that breaks a business rule (empty text, text too long, unknown label...)."""


class Conflict(DomainError):
    """Another process made a change first (e.g. opened the same problem ticket): read again."""


class AccessError(DomainError):
    """The caller may not do this: not signed in (HTTP 401) or not allowed (403)."""


class NotSignedIn(AccessError):
    """No valid session, token or password (HTTP 401)."""


class Forbidden(AccessError):
    """Signed in, but this role may not do that (HTTP 403)."""


class TooFast(DomainError):
    """Too many attempts or messages: try again in ``retry_after`` seconds (HTTP 429)."""

    def __init__(self, retry_after: float, message: str) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class DuplicateMessage(DomainError):
    """An inbound platform message stored before: a redelivery, to be dropped."""


class FileTooLarge(DomainError):
    """An uploaded file over the size limit (HTTP 413)."""


class UnsupportedFile(DomainError):
    """A file whose content is not a type we accept, whatever its name says (HTTP 415)."""


class StoreUnavailable(Exception):
    """The database cannot serve now (connection lost, refused, disk full, read-only): nothing
    was written; try again in ``retry_after`` seconds (HTTP 503).

    Deliberately not a :class:`DomainError`: it says nothing about the request, so no code that
    answers business errors (with a reply to the customer, a 4xx) may catch it by accident. The
    engine retries the message with backoff instead of apologising.
    """

    def __init__(self, message: str = "the database is unavailable", retry_after: float = 5.0):
        super().__init__(message)
        self.retry_after = retry_after


class Overloaded(Exception):
    """This process holds as much accepted-but-unanswered work as it may (its inbound backlog
    or its write queue is at its bound): nothing was stored; send again in ``retry_after``
    seconds (HTTP 503 with ``Retry-After``; a Telegram update stays unconfirmed, a mail gets
    SMTP 451).

    Not a :class:`DomainError` (nothing is wrong with the request) and not a
    :class:`StoreUnavailable` (the database is fine; this process is behind).
    """

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after
