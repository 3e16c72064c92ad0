"""Routing: which team a handed-off ticket goes to, and which of its agents gets it.

Rules live in a TOML file (``handoff/data/routing.toml`` ships a default; the setting
``FRONTDESK_ROUTING_FILE`` points at your own). An agent is *online* while the console is open
(its live connection refreshes ``last_seen_at`` every 30 s) or when it called the agent API in
the last :data:`ONLINE_WINDOW`; logging out makes it offline at once.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from models import Agent, Priority, Ticket, TicketAction, TicketEvent, ValidationError

if TYPE_CHECKING:
    from service.desk import Desk
    from service.unit_of_work import UnitOfWork

DEFAULT_FILE = Path(__file__).parent / "data" / "routing.toml"
ONLINE_WINDOW = timedelta(minutes=2)
FIELDS = ("type", "priority", "intent", "channel", "language")


@dataclass(frozen=True, slots=True)
class RoutingRule:
    team: str
    conditions: Mapping[str, frozenset[str]]
    tags: frozenset[str] = frozenset()  # matches a ticket with any of these tags (#12)
    add_tags: tuple[str, ...] = ()  # tags the rule puts on the tickets it routes

    def matches(self, facts: Mapping[str, str], tags: frozenset[str] = frozenset()) -> bool:
        if self.tags and not self.tags & tags:
            return False
        return all(facts.get(name) in allowed for name, allowed in self.conditions.items())


@dataclass(frozen=True, slots=True)
class RoutingConfig:
    """The parsed routing file: team rules and the escalation limits."""

    rules: tuple[RoutingRule, ...] = ()
    default_team: str = "support"
    unassigned_limits: Mapping[Priority, timedelta] = field(default_factory=dict)
    nag_threshold: int = 3

    def team_for(
        self,
        facts: Mapping[str, str],
        catalog_team: str | None = None,
        tags: frozenset[str] = frozenset(),
    ) -> str:
        rule = self.rule_for(facts, tags)
        return rule.team if rule else catalog_team or self.default_team

    def rule_for(
        self, facts: Mapping[str, str], tags: frozenset[str] = frozenset()
    ) -> RoutingRule | None:
        """The first rule that matches, if any."""
        return next((rule for rule in self.rules if rule.matches(facts, tags)), None)


def parse_routing(data: Mapping[str, Any], source: str = "routing file") -> RoutingConfig:
    """Validate a routing document; raises :class:`ValidationError` naming what is wrong."""
    rules = []
    for number, raw in enumerate(data.get("rules", []), start=1):
        if not isinstance(raw, dict) or not isinstance(raw.get("team"), str) or not raw["team"]:
            raise ValidationError(f"{source}: rule {number} needs a team")
        unknown = set(raw) - {"team", "tag", "add_tags", *FIELDS}
        if unknown:
            raise ValidationError(f"{source}: rule {number} has unknown keys {sorted(unknown)}")
        conditions = {}
        for name in FIELDS:
            if name in raw:
                value = raw[name]
                values = [value] if isinstance(value, str) else value
                if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
                    raise ValidationError(f"{source}: rule {number}: {name} must be text or a list")
                conditions[name] = frozenset(values)
        extra: dict[str, frozenset[str]] = {}
        for name in ("tag", "add_tags"):
            value = raw.get(name, [])
            values = [value] if isinstance(value, str) else value
            if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
                raise ValidationError(f"{source}: rule {number}: {name} must be text or a list")
            extra[name] = frozenset(v.strip().lower() for v in values if v.strip())
        rules.append(
            RoutingRule(raw["team"], conditions, extra["tag"], tuple(sorted(extra["add_tags"])))
        )
    escalation = data.get("escalation", {})
    limits = {}
    for name, minutes in dict(escalation.get("unassigned_minutes", {})).items():
        try:
            limits[Priority(name)] = timedelta(minutes=float(minutes))
        except ValueError:
            raise ValidationError(f"{source}: unknown priority {name!r} in escalation") from None
    nag = int(escalation.get("customer_messages_without_reply", 3))
    if nag < 1:
        raise ValidationError(f"{source}: customer_messages_without_reply must be at least 1")
    return RoutingConfig(
        rules=tuple(rules),
        default_team=str(data.get("default_team", "support")),
        unassigned_limits=limits,
        nag_threshold=nag,
    )


def load_routing(path: str | Path | None = None) -> RoutingConfig:
    """The routing file at ``path`` (the shipped default when empty)."""
    file = Path(path) if path else DEFAULT_FILE
    try:
        data = tomllib.loads(file.read_text())
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ValidationError(f"cannot read routing file {file}: {exc}") from exc
    return parse_routing(data, str(file))


def pick_agent(candidates: list[Agent], load: Mapping[int, int], team: str) -> Agent | None:
    """The least-loaded agent of ``team`` under capacity (ties: who has been here longest)."""
    eligible = [
        a for a in candidates if a.active and team in a.teams and load.get(a.id, 0) < a.capacity
    ]
    if not eligible:
        return None
    return min(eligible, key=lambda a: (load.get(a.id, 0) / a.capacity, load.get(a.id, 0), a.id))


@dataclass
class Router:
    """Sets a handed-off ticket's team and assigns it when an agent of that team is free."""

    config: RoutingConfig
    catalog_team: Callable[[str], str | None] = lambda intent: None

    async def route(
        self, uow: UnitOfWork, desk: Desk, ticket: Ticket, language: str = "en"
    ) -> Agent | None:
        facts = {
            "type": ticket.type.value,
            "priority": ticket.priority.value,
            "intent": ticket.intent,
            "channel": ticket.channel.value,
            "language": language,
        }
        # a rule on tags needs the ticket's tags; without one the read is skipped
        uses_tags = any(r.tags for r in self.config.rules)
        tags = frozenset(await uow.tags.of(ticket.id)) if uses_tags else frozenset()
        rule = self.config.rule_for(facts, tags)
        team = rule.team if rule else ticket.team or self.catalog_team(ticket.intent)
        team = team or self.config.default_team
        now = desk.clock()
        if rule is not None and rule.add_tags:
            from .tags import add_tags

            await add_tags(uow, desk, ticket, rule.add_tags, "system")
        if team != ticket.team:
            await uow.events.add(
                TicketEvent(ticket.id, "system", "routed", ticket.team, team, created_at=now)
            )
            ticket.team = team
            await uow.tickets.save(ticket)
        if ticket.assignee_id is not None:
            return None
        online = await uow.handoff.online_agents(now - ONLINE_WINDOW)
        if not online:
            return None
        agent = pick_agent(online, await uow.tickets.open_count_by_assignee(), team)
        if agent is None:
            return None
        await assign(uow, desk, ticket, agent, "system", now)
        return agent


async def assign(
    uow: UnitOfWork, desk: Desk, ticket: Ticket, agent: Agent, actor: str, now: datetime
) -> None:
    """Give ``ticket`` to ``agent`` (a lifecycle ``assign``) and audit who got it."""
    old = ticket.assignee_id
    ticket.assignee_id = agent.id
    await desk.transition(uow, ticket, TicketAction.ASSIGN, actor, detail=agent.email)
    await uow.events.add(
        TicketEvent(
            ticket.id,
            actor,
            "assigned",
            str(old) if old is not None else None,
            str(agent.id),
            detail=agent.email,
            created_at=now,
        )
    )
