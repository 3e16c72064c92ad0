"""Organisations: the companies customers work for, named by the admins with their email domains.

A customer's organisation is looked up by their email's domain (or a parent of it:
``ann@eu.acme.com`` belongs to the organisation that has ``acme.com``). Without a stored
organisation for it the domain itself is shown (``models/identity.py``: never a free-mail
domain), so nothing needs setting up; storing one gives it a name and groups several domains.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .errors import ValidationError
from .identity import FREE_MAIL_DOMAINS

_DOMAIN = re.compile(r"^(?=.{4,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
MAX_DOMAINS = 50


@dataclass(frozen=True, slots=True)
class Organisation:
    id: int
    name: str
    domains: tuple[str, ...]

    def json(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "domains": list(self.domains)}


def clean_name(value: Any) -> str:
    if not isinstance(value, str) or not " ".join(value.split()):
        raise ValidationError('"name" must be a non-empty text')
    name = " ".join(value.split())
    if len(name) > 200:
        raise ValidationError('"name" must be at most 200 characters')
    return name


def clean_domains(value: Any) -> tuple[str, ...]:
    """Lower-cased, de-duplicated domains; a list, or one text separated by commas or spaces.
    A free-mail domain (gmail.com...) is refused: its users share no employer."""
    items: Iterable[Any] = value.replace(",", " ").split() if isinstance(value, str) else value
    if not isinstance(items, list | tuple) and not isinstance(value, str):
        raise ValidationError('"domains" must be a list of domains')
    domains: list[str] = []
    for item in items:
        domain = str(item).strip().lower().rstrip(".").removeprefix("@") if item else ""
        if not _DOMAIN.match(domain):
            raise ValidationError(f"{str(item)[:60]!r} is not a domain (such as acme.com)")
        if domain in FREE_MAIL_DOMAINS:
            raise ValidationError(f"{domain} is a free-mail domain: it names no organisation")
        if domain not in domains:
            domains.append(domain)
    if len(domains) > MAX_DOMAINS:
        raise ValidationError(f"at most {MAX_DOMAINS} domains")
    return tuple(domains)


def organisation_fields(body: Mapping[str, Any], *, partial: bool) -> dict[str, Any]:
    """``name`` and ``domains`` from a request body (both needed unless ``partial``)."""
    unknown = set(body) - {"name", "domains"}
    if unknown:
        raise ValidationError(f"unknown fields: {', '.join(sorted(unknown))}")
    fields: dict[str, Any] = {}
    if "name" in body or not partial:
        fields["name"] = clean_name(body.get("name"))
    if "domains" in body or not partial:
        fields["domains"] = clean_domains(body.get("domains", []))
    return fields


def candidate_domains(email: str | None) -> list[str]:
    """The domain of ``email`` and its parents down to two labels, most specific first."""
    if not email or "@" not in email:
        return []
    labels = email.rsplit("@", 1)[1].strip().lower().rstrip(".").split(".")
    return [".".join(labels[i:]) for i in range(max(len(labels) - 1, 0))]
