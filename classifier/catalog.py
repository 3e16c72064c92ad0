"""The intent catalog: admin-editable data that maps an intent to how a ticket is handled.

The classifier only learns *which intent* a text expresses; the catalog decides what that means
(ticket type, default priority, team, fulfiller, the label shown in a clarifying question). So an
admin can re-route an intent or change its default priority without retraining.

``kind`` tells the engine how to treat an intent:

* ``ticket``: open (or fulfil) a ticket of ``type`` for ``team``.
* ``conversation``: ``greeting`` and ``human_request`` are about the conversation, not a problem:
  the engine answers a greeting and asks what it can do, and hands a human request to an agent
  (queue for ``team``) without opening a ticket from that message alone.
* ``fallback``: exactly one entry (``unknown``) used when the classifier is not confident enough;
  the engine asks the customer to rephrase or offers the alternatives, then hands off.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from models import Priority, TicketType

from .errors import CatalogError

IntentKind = Literal["ticket", "conversation", "fallback"]
UNKNOWN_INTENT = "unknown"
DATA_DIR = Path(__file__).parent / "data"
_KINDS = ("ticket", "conversation", "fallback")


@dataclass(frozen=True, slots=True)
class IntentSpec:
    """How tickets of one intent are typed, prioritised, routed and (maybe) fulfilled."""

    name: str
    label: str
    kind: IntentKind
    type: TicketType
    priority: Priority
    team: str | None
    fulfiller: str | None


class Catalog(Mapping[str, IntentSpec]):
    """Read-only mapping intent name -> ``IntentSpec`` with one ``fallback`` entry."""

    def __init__(self, specs: Iterable[IntentSpec]) -> None:
        self._specs = {spec.name: spec for spec in specs}
        fallbacks = [s for s in self._specs.values() if s.kind == "fallback"]
        if len(fallbacks) != 1:
            raise CatalogError(
                f"the catalog needs exactly one intent of kind 'fallback', found {len(fallbacks)}"
            )
        self.fallback = fallbacks[0]

    def __getitem__(self, name: str) -> IntentSpec:
        return self._specs[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._specs)

    def __len__(self) -> int:
        return len(self._specs)

    def spec_for(self, intent: str) -> IntentSpec:
        """The spec of ``intent``, or the fallback's when the catalog no longer lists it."""
        return self._specs.get(intent, self.fallback)

    @property
    def trainable(self) -> frozenset[str]:
        """Intents a model may predict (every intent but the fallback)."""
        return frozenset(n for n, s in self._specs.items() if s.kind != "fallback")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Catalog:
        intents = data.get("intents")
        if not isinstance(intents, Mapping) or not intents:
            raise CatalogError("the catalog must have a non-empty 'intents' object")
        return cls(_parse_spec(name, raw) for name, raw in intents.items())

    @classmethod
    def open_set(cls, intents: Iterable[str]) -> Catalog:
        """A neutral catalog for data sets with their own labels (benchmarks): one team, medium."""
        specs = [
            IntentSpec(
                n,
                n.replace("_", " "),
                "ticket",
                TicketType.SERVICE_REQUEST,
                Priority.MEDIUM,
                None,
                None,
            )
            for n in sorted(set(intents) - {UNKNOWN_INTENT})
        ]
        specs.append(
            IntentSpec(
                UNKNOWN_INTENT,
                "Something else",
                "fallback",
                TicketType.INCIDENT,
                Priority.MEDIUM,
                None,
                None,
            )
        )
        return cls(specs)


def _parse_spec(name: str, raw: Any) -> IntentSpec:
    if not isinstance(raw, Mapping):
        raise CatalogError(f"intent {name!r}: expected an object, got {type(raw).__name__}")
    try:
        kind = raw.get("kind", "ticket")
        if kind not in _KINDS:
            raise CatalogError(f"intent {name!r}: kind must be one of {_KINDS}, got {kind!r}")
        return IntentSpec(
            name=name,
            label=str(raw.get("label") or name.replace("_", " ")),
            kind=kind,
            type=TicketType(raw["type"]),
            priority=Priority(raw["priority"]),
            team=raw.get("team"),
            fulfiller=raw.get("fulfiller"),
        )
    except KeyError as exc:
        raise CatalogError(f"intent {name!r}: missing field {exc.args[0]!r}") from exc
    except ValueError as exc:
        raise CatalogError(f"intent {name!r}: {exc}") from exc


CATALOG_ENV = "FRONTDESK_INTENT_CATALOG"
"""A desk's own catalog (same JSON as ``classifier/data/catalog.json``) instead of the shipped
one: the server, the training child, the command line and the first-model cache all read it.
Intents it leaves out are not learnt; intents it adds are learnt from agents' corrections."""


def load_catalog(path: str | Path | None = None) -> Catalog:
    """Read the catalog JSON at ``path``, else at ``FRONTDESK_INTENT_CATALOG``, else the one
    shipped in ``classifier/data``."""
    path = path or os.environ.get(CATALOG_ENV, "").strip() or None
    try:
        data = json.loads(Path(path or DATA_DIR / "catalog.json").read_text("utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise CatalogError(f"cannot read the intent catalog {path or '(shipped)'}: {exc}") from exc
    return Catalog.from_dict(data)
