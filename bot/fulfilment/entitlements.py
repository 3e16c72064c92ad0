"""The entitlement list: which features the bot may grant by itself, and to which roles.

A JSON file (``FRONTDESK_ENTITLEMENTS_FILE``, else the shipped ``data/entitlements.json``)::

    {"features": [{"key": "api_access", "label": "API access",
                   "aliases": ["api", "api keys"], "roles": ["admin", "member"]}]}

A feature that is not listed, or a role that is not allowed, goes to a human.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from models.accounts import AccountRole

SHIPPED = Path(__file__).resolve().parent / "data" / "entitlements.json"


class EntitlementsError(ValueError):
    """The entitlement file cannot be used."""


@dataclass(frozen=True, slots=True)
class Entitlement:
    key: str
    label: str
    aliases: tuple[str, ...]
    roles: frozenset[AccountRole]


@dataclass(frozen=True, slots=True)
class Entitlements:
    features: tuple[Entitlement, ...]

    def get(self, key: str) -> Entitlement | None:
        return next((f for f in self.features if f.key == key), None)

    def match(self, text: str) -> Entitlement | None:
        """The feature a customer's words name (key, label or alias; longest match wins)."""
        words = " " + re.sub(r"[^a-z0-9]+", " ", text.lower()) + " "
        best: tuple[int, Entitlement] | None = None
        for feature in self.features:
            for name in (feature.key.replace("_", " "), feature.label, *feature.aliases):
                needle = " " + re.sub(r"[^a-z0-9]+", " ", name.lower()).strip() + " "
                if needle.strip() and needle in words and (best is None or len(needle) > best[0]):
                    best = (len(needle), feature)
        return best[1] if best else None

    def labels(self) -> str:
        return ", ".join(f.label for f in self.features)


def load_entitlements(path: str = "") -> Entitlements:
    source = Path(path) if path else SHIPPED
    try:
        data = json.loads(source.read_text())
        features = tuple(
            Entitlement(
                key=str(item["key"]),
                label=str(item.get("label") or item["key"]),
                aliases=tuple(str(a) for a in item.get("aliases") or ()),
                roles=frozenset(AccountRole(r) for r in item.get("roles") or ("admin",)),
            )
            for item in data["features"]
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise EntitlementsError(f"cannot use the entitlement list {source}: {exc}") from exc
    return Entitlements(features)
