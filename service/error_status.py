"""The one table from the error tree (``models/errors.py``) to HTTP statuses, shared by every
HTTP edge: the JSON answers (``bot/http_errors.py``) and the console's HTML pages
(``handoff/error_pages.py``) both ask :func:`status_of`, so they cannot disagree.

| error | status |
|---|---|
| ``NotFound`` (``UnknownSession``) | 404 |
| ``NotSignedIn`` (``WrongToken``, a refused login) | 401 |
| ``Forbidden`` | 403 |
| ``TooFast`` (``RateLimited``, a throttled login) | 429 with ``Retry-After`` |
| ``InvalidTransition`` | 409, naming the current ``status`` |
| ``Conflict`` | 409 |
| ``FileTooLarge`` | 413 |
| ``UnsupportedFile`` | 415 |
| any other ``DomainError`` (``ValidationError``...) | 400 |
"""

from __future__ import annotations

from models import (
    Conflict,
    DomainError,
    FileTooLarge,
    Forbidden,
    InvalidTransition,
    NotFound,
    NotSignedIn,
    TooFast,
    UnsupportedFile,
)

STATUS: tuple[tuple[type[DomainError], int], ...] = (
    (NotFound, 404),
    (NotSignedIn, 401),
    (Forbidden, 403),
    (TooFast, 429),
    (InvalidTransition, 409),
    (Conflict, 409),
    (FileTooLarge, 413),
    (UnsupportedFile, 415),
    (DomainError, 400),
)


def status_of(error: DomainError) -> int:
    """The HTTP status of a domain error (the first matching row of ``STATUS``)."""
    return next(status for kind, status in STATUS if isinstance(error, kind))
